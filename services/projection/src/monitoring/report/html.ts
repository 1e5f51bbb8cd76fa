/**
 * The regional report as one self-contained HTML page: inline SVG charts and an inline style
 * sheet, no script, no external resource (the services' CSP allows inline styles and nothing
 * from elsewhere), every text escaped.
 */
import type { ReportContent, ReportTable } from './compose.js';
import { chartSvg } from './charts.js';

const STYLE = `body{font-family:"DejaVu Sans",Verdana,sans-serif;font-size:14px;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #999;padding:.2rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
tr.total td{font-weight:bold}td.withheld{font-style:italic;color:#555}figure{margin:1rem 0}figcaption{font-size:.85rem;color:#333}`;

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function reportHtml(content: ReportContent, withheld: string): Promise<string> {
  const parts: string[] = [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(content.locale)}"><head><meta charset="utf-8"><title>${escapeHtml(content.title)}</title>`,
    `<meta name="cfund-computed-from" content="${escapeHtml(content.position)}"><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(content.title)}</h1>`,
  ];
  for (const block of content.blocks) {
    if (block.kind === 'heading') parts.push(`<h2>${escapeHtml(block.text)}</h2>`);
    else if (block.kind === 'text') parts.push(`<p>${escapeHtml(block.text)}</p>`);
    else if (block.kind === 'table') parts.push(tableHtml(block.table, withheld));
    else parts.push(`<figure>${await chartSvg(block.chart)}<figcaption>${escapeHtml(block.caption)}</figcaption></figure>`);
  }
  parts.push('</body></html>', '');
  return parts.join('\n');
}

function tableHtml(table: ReportTable, withheld: string): string {
  const head = `<tr>${table.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = table.rows.map((r) => `<tr${r.total ? ' class="total"' : ''}><th scope="row">${escapeHtml(r.label)}</th>${
    r.cells.map((c) => `<td${c === withheld ? ' class="withheld"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
  return `<table data-table="${escapeHtml(table.id)}"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}
