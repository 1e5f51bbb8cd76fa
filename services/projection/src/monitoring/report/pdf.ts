/**
 * The regional report as an A4 PDF (pdfkit 0.20): the same blocks as the HTML, the charts' SVG
 * drawn as vectors by svg-to-pdfkit, DejaVu Sans from `dejavu-fonts-ttf` (read from
 * node_modules, never fetched; it has every letter of the region's languages). Deterministic: a
 * publication has no clock, so the PDF's dates are the last day of its filing year and its file
 * id follows from them and the `$all` position (in the keywords): the same publication gives
 * the same bytes.
 */
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { CHART_FONT, chartSvg } from './charts.js';
import type { ReportContent, ReportTable } from './compose.js';

const require = createRequire(import.meta.url);
const REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export async function reportPdf(content: ReportContent): Promise<Buffer> {
  const dated = new Date(Date.UTC(content.year, 11, 31));
  const doc = new PDFDocument({
    size: 'A4', margins: { top: 56, bottom: 64, left: 56, right: 56 }, bufferPages: true, lang: content.locale,
    info: {
      Title: content.title, Subject: `$all ${content.position}`, Keywords: `computed-from:${content.position}`,
      Producer: 'cfund monitoring report', Creator: 'cfund monitoring report', CreationDate: dated, ModDate: dated,
    },
  });
  doc.registerFont(CHART_FONT, REGULAR);
  doc.registerFont(`${CHART_FONT}-Bold`, BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const room = (height: number) => { if (doc.y + height > bottom()) doc.addPage(); };

  doc.font(BOLD).fontSize(15).text(content.title, left, doc.y, { width });
  for (const block of content.blocks) {
    if (block.kind === 'heading') {
      doc.moveDown(0.8);
      room(60);
      doc.font(BOLD).fontSize(11.5).text(block.text, left, doc.y, { width });
      doc.moveDown(0.3);
    } else if (block.kind === 'text') {
      doc.font(REGULAR).fontSize(9).text(block.text, left, doc.y, { width });
      doc.moveDown(0.4);
    } else if (block.kind === 'table') {
      drawTable(doc, block.table, left, width, room);
    } else {
      const svg = await chartSvg(block.chart);
      const [w, h] = [Number(/width="(\d+)"/.exec(svg)?.[1] ?? 400), Number(/height="(\d+)"/.exec(svg)?.[1] ?? 240)];
      const scale = Math.min(1, width / w) * 0.9;
      room(h * scale + 30);
      SVGtoPDF(doc, svg, left, doc.y, {
        width: w * scale, height: h * scale, assumePt: true,
        fontCallback: (_family, bold) => (bold ? `${CHART_FONT}-Bold` : CHART_FONT),
        warningCallback: () => undefined,
      });
      doc.y += h * scale + 4;
      doc.font(REGULAR).fontSize(8).text(block.caption, left, doc.y, { width });
      doc.moveDown(0.4);
    }
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(REGULAR).fontSize(7.5).text(content.footer(i + 1, range.count), left, doc.page.height - 40, { width, align: 'center' });
    doc.page.margins.bottom = margin;
  }
  doc.end();
  return done;
}

/** A table: the first column wider, the others equal; a row moves to the next page whole. */
function drawTable(doc: PDFKit.PDFDocument, table: ReportTable, left: number, width: number, room: (h: number) => void): void {
  const n = table.columns.length;
  const first = Math.min(110, width / n * 1.4);
  const rest = (width - first) / (n - 1);
  const widths = [first, ...Array.from({ length: n - 1 }, () => rest)];
  const line = (cells: string[], font: string) => {
    doc.font(font).fontSize(7.5);
    const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: widths[i]! - 6 }))) + 4;
    room(height);
    const y = doc.y;
    let x = left;
    cells.forEach((c, i) => {
      doc.text(c, x + 3, y + 2, { width: widths[i]! - 6, align: i === 0 ? 'left' : 'right', lineBreak: true });
      x += widths[i]!;
    });
    doc.moveTo(left, y + height).lineTo(left + width, y + height).lineWidth(0.3).strokeColor('#999999').stroke();
    doc.y = y + height;
  };
  line(table.columns, BOLD);
  for (const row of table.rows) line([row.label, ...row.cells], row.total ? BOLD : REGULAR);
  doc.x = left;
  doc.moveDown(0.6);
}
