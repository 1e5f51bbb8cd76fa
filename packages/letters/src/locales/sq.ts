/**
 * The letters in Albanian.
 * Produced by: an AI assistant (Claude) for the project, from the English catalogue.
 * Native-speaker review: NOT reviewed by a native speaker. Start with the appeal paragraph and the
 * legal terms (ankim, kompensim, kërkues). Albanian amounts are not written out in words (README).
 */
import type { LetterMessageId } from './en.js';

export const SQ: Record<LetterMessageId, string> = {
  'fund.name': 'Fondi i Kompensimit ({jurisdiction, select, RS {Republika e Serbisë} BA {Bosnja dhe Hercegovina} ME {Mali i Zi} AL {Republika e Shqipërisë} MK {Republika e Maqedonisë së Veriut} XK {Kosova} other {{jurisdiction}}})',
  'letter.confidential': 'Personale dhe konfidenciale',
  'letter.addressee': 'Për kërkuesin në çështjen {publicReference}, nëpërmjet përfaqësuesit të autorizuar',
  'letter.date': 'Data: {date}',
  'letter.reference': 'Numri i çështjes: {publicReference}',
  'letter.closing': 'Për Fondin',
  'letter.footer': 'Numri i çështjes {publicReference}. Ju lutemi ta përmendni këtë numër në çdo përgjigje. Faqja {page} nga {pages}.',

  'amount.in-words': 'Me fjalë: {words}.',
  'amount.words': '{major} {currency, select, RSD {{majorCount, plural, one {dinar} other {dinarë}}} BAM {{majorCount, plural, one {markë e konvertueshme} other {marka të konvertueshme}}} EUR {{majorCount, plural, one {euro} other {euro}}} ALL {{majorCount, plural, one {lek} other {lekë}}} MKD {{majorCount, plural, one {denar} other {denarë}}} other {{currency}}}{hasMinor, select, yes { e {minor} {currency, select, RSD {{minorCount, plural, one {para} other {para}}} BAM {{minorCount, plural, one {fening} other {feningë}}} EUR {{minorCount, plural, one {cent} other {centë}}} ALL {{minorCount, plural, one {qindarkë} other {qindarka}}} MKD {{minorCount, plural, one {deni} other {deni}}} other {}}} other {}}',

  'decision.title': 'Vendim për kërkesën për kompensim',
  'award-approved.decision': 'Fondi e miraton kërkesën dhe akordon kompensim në shumën {amount}.',
  'award-approved.reasons': 'Kërkesa i plotëson kushtet për kompensim. Shuma e akorduar është shuma e vlerësuar, pas zbritjeve dhe brenda kufijve që parashikojnë rregullat.',
  'award-approved.payment': 'Kompensimi do të paguhet në llogarinë e dhënë me kërkesën, me këstet që cakton Fondi; do të njoftoheni për datën e çdo pagese.',
  'award-rejected.decision': 'Fondi e refuzon kërkesën për kompensim.',
  'reasons.heading': 'Arsyetimi',
  'appeal.heading': 'E drejta e ankimit',
  'appeal.deadline': 'Ju mund ta ankimoni këtë vendim. Ankimi duhet të mbërrijë në Fond jo më vonë se {deadline} (ora vendore, {timeZone}). Një ankim i marrë pas asaj dite nuk mund të shqyrtohet.',
  'appeal.how': 'Dërgojeni ankimin me shkrim, duke përmendur numrin e mësipërm të çështjes, dhe shpjegoni pse e konsideroni vendimin të gabuar.',

  'appeal-decided.title': 'Vendim për ankimin',
  'appeal-decided.decision': '{outcome, select, upheld {Fondi e shqyrtoi ankimin dhe e lë në fuqi vendimin e tij.} increased {Fondi e shqyrtoi ankimin dhe e rrit kompensimin në {amount}.} reduced {Fondi e shqyrtoi ankimin dhe e ul kompensimin në {amount}.} remitted {Fondi e shqyrtoi ankimin dhe e shfuqizon vendimin e tij: kërkesa do të vlerësohet përsëri.} other {Fondi vendosi për ankimin.}}',
  'appeal-decided.decided-on': 'Për ankimin u vendos më {decidedOn}.',
  'appeal-decided.remedy': 'Ky vendim për ankimin është përfundimtar brenda Fondit. Ai mund të kundërshtohet para gjykatës kompetente, siç parashikon ligji.',

  'information-requested.title': 'Kërkesë për informacion (nr. {request})',
  'information-requested.intro': 'Për të vazhduar vlerësimin e kërkesës, Fondi kërkon informacionet ose dokumentet e mëposhtme:',
  'information-requested.due': 'Ju lutemi të përgjigjeni jo më vonë se {dueOn}. Vlerësimi i kërkesës pezullohet derisa Fondi të marrë përgjigjen.',
};
