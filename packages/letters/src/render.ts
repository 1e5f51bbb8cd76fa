/**
 * A letter as a PDF (pdfkit), in DejaVu Sans from the `dejavu-fonts-ttf` package: one font for
 * Latin with every South Slavic and Albanian letter (č ć đ š ž ë ç) and Serbian and Macedonian
 * Cyrillic (ђ ћ џ љ њ ѓ ќ ѕ ј), read from node_modules, never fetched at run time. The PDF is
 * deterministic (its dates are the letter's own), so the same letter always has the same SHA-256.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { create } from 'fontkit';
import PDFDocument from 'pdfkit';
import { composeLetter, type BlockStyle, type LetterInput } from './letter.js';

const require = createRequire(import.meta.url);

/** The part of a fontkit font the letters touch beyond pdfkit: its cache of glyphs (fontkit 2.0.4, pinned). */
interface ParsedFont { _glyphs: Record<number, unknown> }

/**
 * Each font is read and parsed once per process and shared by every letter: opened per letter
 * (a path given to pdfkit), reading the file and decoding its tables again cost about 37 ms of
 * the CPU of a letter (60 ms). What a font caches must not change a letter's bytes, though: fontkit
 * keeps each glyph with the characters it was first laid out from, which becomes the PDF's
 * text mapping (a ligature reached from "fi" or from U+FB01), so its glyphs are forgotten before
 * each letter and a letter depends on its own text alone, as when each letter opened the font.
 */
const FONTS = {
  regular: create(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'))) as ParsedFont,
  bold: create(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'))) as ParsedFont,
};
type FontName = keyof typeof FONTS;

const STYLE: Record<BlockStyle, { font: FontName; size: number; gapBefore: number }> = {
  sender: { font: 'bold', size: 12, gapBefore: 0 },
  note: { font: 'bold', size: 9, gapBefore: 0.6 },
  meta: { font: 'regular', size: 10, gapBefore: 0.2 },
  title: { font: 'bold', size: 14, gapBefore: 1.6 },
  heading: { font: 'bold', size: 11, gapBefore: 1 },
  text: { font: 'regular', size: 10.5, gapBefore: 0.5 },
  item: { font: 'regular', size: 10.5, gapBefore: 0.3 },
  closing: { font: 'bold', size: 10.5, gapBefore: 2 },
};

/** The letter as PDF bytes. */
export async function renderLetter(input: LetterInput): Promise<Buffer> {
  const content = composeLetter(input);
  const issued = new Date(input.issuedAt);
  const doc = new PDFDocument({
    size: 'A4', margins: { top: 56, bottom: 72, left: 64, right: 64 }, bufferPages: true, lang: content.locale,
    info: { Title: content.title, Author: content.blocks[0]!.text, Subject: input.publicReference, Producer: 'cfund letters', Creator: 'cfund letters', CreationDate: issued, ModDate: issued },
  });
  for (const [name, font] of Object.entries(FONTS)) {
    font._glyphs = {};
    // pdfkit 0.20 takes a parsed fontkit font as a source; its types do not say so.
    doc.registerFont(name, font as unknown as PDFKit.Mixins.PDFFontSource);
  }
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
    doc.font('regular').fontSize(8).text(content.footer(i + 1, range.count), doc.page.margins.left, doc.page.height - 48, { width, align: 'center' });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
