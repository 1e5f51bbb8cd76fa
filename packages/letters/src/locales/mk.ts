/**
 * The letters in Macedonian (Cyrillic script).
 * Produced by: an AI assistant (Claude) for the project, from the English catalogue.
 * Native-speaker review: NOT reviewed by a native speaker. Start with the appeal paragraph
 * ("правна поука") and the currency forms. Macedonian amounts are not written out in words (README).
 */
import type { LetterMessageId } from './en.js';

export const MK: Record<LetterMessageId, string> = {
  'fund.name': 'Фонд за обесштетување ({jurisdiction, select, RS {Република Србија} BA {Босна и Херцеговина} ME {Црна Гора} AL {Република Албанија} MK {Република Северна Македонија} XK {Косово} other {{jurisdiction}}})',
  'letter.confidential': 'Лично и доверливо',
  'letter.addressee': 'До подносителот на барањето во предметот {publicReference}, преку овластениот застапник',
  'letter.date': 'Датум: {date}',
  'letter.reference': 'Број на предмет: {publicReference}',
  'letter.closing': 'За Фондот',
  'letter.footer': 'Број на предмет {publicReference}. Ве молиме наведете го овој број во секој одговор. Страница {page} од {pages}.',

  'amount.in-words': 'Со зборови: {words}.',
  'amount.words': '{major} {currency, select, RSD {{majorCount, plural, one {динар} other {динари}}} BAM {{majorCount, plural, one {конвертибилна марка} other {конвертибилни марки}}} EUR {{majorCount, plural, one {евро} other {евра}}} ALL {{majorCount, plural, one {лек} other {леки}}} MKD {{majorCount, plural, one {денар} other {денари}}} other {{currency}}}{hasMinor, select, yes { и {minor} {currency, select, RSD {{minorCount, plural, one {пара} other {пари}}} BAM {{minorCount, plural, one {фениг} other {фениги}}} EUR {{minorCount, plural, one {цент} other {центи}}} ALL {{minorCount, plural, one {киндарка} other {киндарки}}} MKD {{minorCount, plural, one {дени} other {дени}}} other {}}} other {}}',

  'decision.title': 'Решение по барањето за обесштетување',
  'award-approved.decision': 'Фондот го усвојува барањето и досудува обесштетување во износ од {amount}.',
  'award-approved.reasons': 'Барањето ги исполнува условите за обесштетување. Досудениот износ е утврдениот износ, намален за одбитоците и во границите што ги предвидуваат прописите.',
  'award-approved.payment': 'Обесштетувањето ќе биде исплатено на сметката наведена со барањето, на рати што ги определува Фондот; ќе бидете известени за датумот на секоја исплата.',
  'award-rejected.decision': 'Фондот го одбива барањето за обесштетување.',
  'reasons.heading': 'Образложение',
  'appeal.heading': 'Правна поука',
  'appeal.deadline': 'Против ова решение можете да изјавите жалба. Жалбата треба да пристигне во Фондот најдоцна на {deadline} (локално време, {timeZone}). Жалба примена по тој ден не може да се разгледува.',
  'appeal.how': 'Поднесете ја жалбата во писмена форма, со наведување на горниот број на предмет, и образложете зошто сметате дека решението е неправилно.',

  'appeal-decided.title': 'Решение по жалбата',
  'appeal-decided.decision': '{outcome, select, upheld {Фондот ја разгледа жалбата и го потврдува своето решение.} increased {Фондот ја разгледа жалбата и го зголемува обесштетувањето на {amount}.} reduced {Фондот ја разгледа жалбата и го намалува обесштетувањето на {amount}.} remitted {Фондот ја разгледа жалбата и го поништува своето решение: барањето ќе биде повторно проценето.} other {Фондот одлучи по жалбата.}}',
  'appeal-decided.decided-on': 'За жалбата е одлучено на {decidedOn}.',
  'appeal-decided.remedy': 'Ова решение по жалбата е конечно пред Фондот. Може да се оспори пред надлежниот суд, како што предвидува законот.',

  'information-requested.title': 'Барање за информации (бр. {request})',
  'information-requested.intro': 'За да продолжи процената на барањето, Фондот ги бара следниве информации или документи:',
  'information-requested.due': 'Ве молиме одговорете најдоцна на {dueOn}. Процената на барањето мирува додека Фондот не го добие одговорот.',
};
