/**
 * The letters in Serbian, Cyrillic script: the language of proceedings of the Serbian scheme.
 * Produced by: transliteration of sr-Latn.ts (src/transliterate.ts, once; the ICU structure kept),
 * so it says exactly what the Latin catalogue says.
 * Native-speaker review: NOT reviewed by a native speaker. Review sr-Latn.ts first, then this file.
 */
import type { LetterMessageId } from './en.js';

export const SR_CYRL: Record<LetterMessageId, string> = {
  'fund.name': 'Фонд за накнаду штете ({jurisdiction,select,AL{Република Албанија} BA{Босна и Херцеговина} ME{Црна Гора} MK{Република Северна Македонија} RS{Република Србија} XK{Косово} other{{jurisdiction}}})',
  'letter.confidential': 'Лично и поверљиво',
  'letter.addressee': 'Подносиоцу захтева у предмету {publicReference}, преко овлашћеног заступника',
  'letter.date': 'Датум: {date}',
  'letter.reference': 'Број предмета: {publicReference}',
  'letter.closing': 'За Фонд',
  'letter.footer': 'Број предмета {publicReference}. Молимо вас да овај број наведете у сваком одговору. Страна {page} од {pages}.',
  'amount.in-words': 'Словима: {words}.',
  'amount.words': '{major} {currency,select,ALL{{majorCount,plural,one{лек} few{лека} other{лека}}} BAM{{majorCount,plural,one{конвертибилна марка} few{конвертибилне марке} other{конвертибилних марака}}} EUR{{majorCount,plural,one{евро} few{евра} other{евра}}} MKD{{majorCount,plural,one{денар} few{денара} other{денара}}} RSD{{majorCount,plural,one{динар} few{динара} other{динара}}} other{{currency}}}{hasMinor,select,other{} yes{ и {minor} {currency,select,ALL{{minorCount,plural,one{киндарка} few{киндарке} other{киндарки}}} BAM{{minorCount,plural,one{фенинг} few{фенинга} other{фенинга}}} EUR{{minorCount,plural,one{цент} few{цента} other{центи}}} MKD{{minorCount,plural,one{дени} few{денија} other{денија}}} RSD{{minorCount,plural,one{пара} few{паре} other{пара}}} other{}}}}',
  'decision.title': 'Решење о захтеву за накнаду штете',
  'award-approved.decision': 'Фонд усваја захтев и досуђује накнаду у износу од {amount}.',
  'award-approved.reasons': 'Захтев испуњава услове за накнаду. Досуђени износ одговара утврђеном износу штете, умањеном за одбитке и у границама које прописи предвиђају.',
  'award-approved.payment': 'Накнада ће бити исплаћена на рачун наведен уз захтев, у ратама које Фонд одреди; о датуму сваке исплате бићете обавештени.',
  'award-rejected.decision': 'Фонд одбија захтев за накнаду штете.',
  'reasons.heading': 'Образложење',
  'appeal.heading': 'Поука о правном леку',
  'appeal.deadline': 'Против овог решења можете изјавити жалбу. Жалба мора стићи Фонду најкасније {deadline} (по локалном времену, {timeZone}). Жалба примљена после тог дана не може се разматрати.',
  'appeal.how': 'Жалбу поднесите у писаном облику, уз навођење горе наведеног броја предмета, и образложите зашто сматрате да је решење неправилно.',
  'appeal-decided.title': 'Решење по жалби',
  'appeal-decided.decision': '{outcome,select,increased{Фонд је размотрио жалбу и повећава накнаду на износ од {amount}.} other{Фонд је одлучио о жалби.} reduced{Фонд је размотрио жалбу и смањује накнаду на износ од {amount}.} remitted{Фонд је размотрио жалбу и поништава своје решење: захтев ће бити поново процењен.} upheld{Фонд је размотрио жалбу и потврђује своје решење.}}',
  'appeal-decided.decided-on': 'О жалби је одлучено {decidedOn}.',
  'appeal-decided.remedy': 'Ово решење по жалби је коначно пред Фондом. Против њега се може покренути поступак пред надлежним судом, у складу са законом.',
  'information-requested.title': 'Захтев за достављање података (бр. {request})',
  'information-requested.intro': 'Ради наставка процене захтева, Фонд тражи следеће податке или документе:',
  'information-requested.due': 'Молимо вас да одговорите најкасније {dueOn}. Процена захтева мирује док Фонд не прими одговор.',
};
