/** Serbian Latin to Cyrillic: letters and digraphs, codes kept in Latin, and ICU messages whose syntax survives untouched. */
import t from 'tap';
import { IntlMessageFormat } from 'intl-messageformat';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { catalogueToCyrillic, latinToCyrillic, messageToCyrillic, textToCyrillic } from '../src/index.ts';

t.test('letter for letter, the digraphs lj, nj and dž as one letter each', async (t) => {
  t.equal(latinToCyrillic('Džep, ljubav i njiva: šćđčž'), 'Џеп, љубав и њива: шћђчж');
  t.equal(latinToCyrillic('LJUBAV NJIVA DŽEP'), 'ЉУБАВ ЊИВА ЏЕП');
});

t.test('running text: codes (two capitals, a digit) stay Latin, words do not', async (t) => {
  t.equal(textToCyrillic('Izvod (ISO 20022 camt.053, XML), IBAN-a, SHA-256 i ID zahteva 3f1c2b1e-8d5a'), 'Извод (ISO 20022 camt.053, XML), IBAN-a, SHA-256 и ID захтева 3f1c2b1e-8d5a');
  t.equal(textToCyrillic('E-pošta'), 'Е-пошта', 'one capital is a word, not a code');
});

/** The message's structure with its text blanked: what must survive transliteration. */
function skeleton(elements: MessageFormatElement[]): unknown[] {
  return elements.map((e) => {
    switch (e.type) {
      case TYPE.literal: return 'text';
      case TYPE.select: case TYPE.plural:
        return { type: e.type, value: e.value, options: Object.fromEntries(Object.entries(e.options).map(([k, o]) => [k, skeleton(o.value)])) };
      case TYPE.tag: return { tag: e.value, children: skeleton(e.children) };
      case TYPE.pound: return '#';
      default: return { type: e.type, value: e.value, style: 'style' in e ? JSON.stringify(e.style) : undefined };
    }
  });
}

t.test('an ICU message: only its text is transliterated', async (t) => {
  const latin = "Još {n, plural, one {# dan} few {# dana} other {# dana}} za {kind, select, appeal {žalbu} other {zahtev {id}}}: '{'doslovno'}' {amount, number}";
  const cyrillic = messageToCyrillic(latin);
  t.same(skeleton(parse(cyrillic, { ignoreTag: true })), skeleton(parse(latin, { ignoreTag: true })), 'placeholders, keywords, cases and # as they were');
  const format = (m: string, values: Record<string, string | number>) => String(new IntlMessageFormat(m, 'sr', undefined, { ignoreTag: true }).format(values));
  for (const n of [1, 2, 5, 21]) {
    for (const kind of ['appeal', 'instalment']) {
      const values = { n, kind, id: 'CF-RS-1', amount: 1500 };
      t.equal(format(cyrillic, values), textToCyrillic(format(latin, values)), `n=${n}, ${kind}: the Latin message's output, transliterated`);
    }
  }
  t.equal(format(cyrillic, { n: 3, kind: 'appeal', id: 'x', amount: 1 }), 'Још 3 дана за жалбу: {дословно} 1', 'quoted braces stay literal');
  t.same(catalogueToCyrillic({ a: 'Zahtev', b: '{n} dana' }), { a: 'Захтев', b: '{n} дана' });
});
