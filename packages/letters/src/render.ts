/**
 * A letter as a PDF (pdfkit), in DejaVu Sans from the `dejavu-fonts-ttf` package: one font for
 * Latin with every South Slavic and Albanian letter (č ć đ š ž ë ç) and Serbian and Macedonian
 * Cyrillic (ђ ћ џ љ њ ѓ ќ ѕ ј), read from node_modules, never fetched at run time. The PDF is
 * deterministic (its dates are the letter's own), so the same letter always has the same SHA-256.
 */
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { composeLetter, type BlockStyle, type LetterInput } from './letter.js';

const require = createRequire(import.meta.url);
const REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

const STYLE: Record<BlockStyle, { font: string; size: number; gapBefore: number }> = {
  sender: { font: BOLD, size: 12, gapBefore: 0 },
  note: { font: BOLD, size: 9, gapBefore: 0.6 },
  meta: { font: REGULAR, size: 10, gapBefore: 0.2 },
  title: { font: BOLD, size: 14, gapBefore: 1.6 },
  heading: { font: BOLD, size: 11, gapBefore: 1 },
  text: { font: REGULAR, size: 10.5, gapBefore: 0.5 },
  item: { font: REGULAR, size: 10.5, gapBefore: 0.3 },
  closing: { font: BOLD, size: 10.5, gapBefore: 2 },
};

/** The letter as PDF bytes. */
export async function renderLetter(input: LetterInput): Promise<Buffer> {
  const content = composeLetter(input);
  const issued = new Date(input.issuedAt);
  const doc = new PDFDocument({
    size: 'A4', margins: { top: 56, bottom: 72, left: 64, right: 64 }, bufferPages: true, lang: content.locale,
    info: { Title: content.title, Author: content.blocks[0]!.text, Subject: input.publicReference, Producer: 'cfund letters', Creator: 'cfund letters', CreationDate: issued, ModDate: issued },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  for (const block of content.blocks) {
    const style = STYLE[block.style];
    doc.font(style.font).fontSize(style.size).moveDown(style.gapBefore);
    doc.text(block.style === 'item' ? `•  ${block.text}` : block.text, doc.page.margins.left + (block.style === 'item' ? 12 : 0), doc.y, { width: width - (block.style === 'item' ? 12 : 0), align: 'left' });
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(REGULAR).fontSize(8).text(content.footer(i + 1, range.count), doc.page.margins.left, doc.page.height - 48, { width, align: 'center' });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
