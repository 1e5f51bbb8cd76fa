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
import type { Locale } from '@cfund/i18n';
import { LETTER_KINDS, composeLetter, type BlockStyle, type LetterInput } from './letter.js';

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

/** A font of a pdfkit document (0.20.2, pinned): its cache of laid-out words (glyphs and positions, in the font's units), by text. */
interface DocumentFont { layoutCache: Record<string, unknown> }

/**
 * The layouts of the words the letters of a locale always say (the catalogue's text, dates, figures),
 * laid out once per font and locale from sample letters and shared by every letter after them: laying
 * out a letter's words (fontkit's shaping) was a third of its CPU. A letter's own font caches only
 * look these up (prototype chain) and keep what else they lay out to themselves, so the words of one
 * victim's letter (a question, reasons) are never kept for the next. A word's layout depends on the
 * word and the font alone (no locale, size or features), so a shared one is what the letter would
 * lay out itself.
 */
const SHARED_LAYOUTS: Record<FontName, Record<string, unknown>> = { regular: Object.create(null), bold: Object.create(null) };
const warmed = new Set<Locale>();

/** Neutral letters of each kind: what they say besides the catalogue's words is no one's data. */
function samples(locale: Locale): LetterInput[] {
  const common = { locale, jurisdiction: 'RS', timeZone: 'Europe/Belgrade', publicReference: 'RS-2026-00000000', issuedAt: '2026-01-15T12:00:00.000Z' } as const;
  const amount = { amountMinor: 123_456_789, currency: 'RSD' } as const;
  return LETTER_KINDS.map((kind): LetterInput => {
    switch (kind) {
      case 'award-approved': return { ...common, kind, netAward: amount, appealDeadline: '2026-02-02' };
      case 'award-rejected': return { ...common, kind, reasons: ['-'], appealInstructions: '-', appealDeadline: '2026-02-02' };
      case 'appeal-decided': return { ...common, kind, outcome: 'increased', decidedOn: '2026-02-02', netAward: amount };
      case 'information-requested': return { ...common, kind, request: 1, question: '-', dueOn: '2026-02-02' };
    }
  });
}

/** The letter as PDF bytes. */
export async function renderLetter(input: LetterInput): Promise<Buffer> {
  if (!warmed.has(input.locale)) {
    warmed.add(input.locale);
    for (const sample of samples(input.locale)) await render(sample, (font) => SHARED_LAYOUTS[font]);
  }
  return render(input, (font) => Object.create(SHARED_LAYOUTS[font]) as Record<string, unknown>);
}

/** Renders `input`; each font of the document caches its layouts in `layouts(font)`. */
async function render(input: LetterInput, layouts: (font: FontName) => Record<string, unknown>): Promise<Buffer> {
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
  /** The document's fonts opened so far: each gets its layout cache before it lays out anything. */
  const opened = new Set<FontName>();
  const useFont = (name: FontName): typeof doc => {
    doc.font(name);
    if (!opened.has(name)) {
      opened.add(name);
      (doc as unknown as { _font: DocumentFont })._font.layoutCache = layouts(name);
    }
    return doc;
  };
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  for (const block of content.blocks) {
    const style = STYLE[block.style];
    useFont(style.font).fontSize(style.size).moveDown(style.gapBefore);
    doc.text(block.style === 'item' ? `•  ${block.text}` : block.text, doc.page.margins.left + (block.style === 'item' ? 12 : 0), doc.y, { width: width - (block.style === 'item' ? 12 : 0), align: 'left' });
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    useFont('regular').fontSize(8).text(content.footer(i + 1, range.count), doc.page.margins.left, doc.page.height - 48, { width, align: 'center' });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
