/**
 * The letters in Serbian, Latin script (ekavian), in the register of an administrative decision
 * ("rešenje", "obrazloženje", "pouka o pravnom leku").
 * Produced by: an AI assistant (Claude) for the project, from the English catalogue, with care.
 * Native-speaker review: NOT reviewed by a native speaker. Start with the appeal paragraph (the
 * legal formula of a "pouka o pravnom leku") and the currency forms (dinar / dinara, marka / marke / maraka).
 */
import type { LetterMessageId } from './en.js';

export const SR_LATN: Record<LetterMessageId, string> = {
  'fund.name': 'Fond za naknadu štete ({jurisdiction, select, RS {Republika Srbija} BA {Bosna i Hercegovina} ME {Crna Gora} AL {Republika Albanija} MK {Republika Severna Makedonija} XK {Kosovo} other {{jurisdiction}}})',
  'letter.confidential': 'Lično i poverljivo',
  'letter.addressee': 'Podnosiocu zahteva u predmetu {publicReference}, preko ovlašćenog zastupnika',
  'letter.date': 'Datum: {date}',
  'letter.reference': 'Broj predmeta: {publicReference}',
  'letter.closing': 'Za Fond',
  'letter.footer': 'Broj predmeta {publicReference}. Molimo vas da ovaj broj navedete u svakom odgovoru. Strana {page} od {pages}.',

  'amount.in-words': 'Slovima: {words}.',
  'amount.words': '{major} {currency, select, RSD {{majorCount, plural, one {dinar} few {dinara} other {dinara}}} BAM {{majorCount, plural, one {konvertibilna marka} few {konvertibilne marke} other {konvertibilnih maraka}}} EUR {{majorCount, plural, one {evro} few {evra} other {evra}}} ALL {{majorCount, plural, one {lek} few {leka} other {leka}}} MKD {{majorCount, plural, one {denar} few {denara} other {denara}}} other {{currency}}}{hasMinor, select, yes { i {minor} {currency, select, RSD {{minorCount, plural, one {para} few {pare} other {para}}} BAM {{minorCount, plural, one {fening} few {feninga} other {feninga}}} EUR {{minorCount, plural, one {cent} few {centa} other {centi}}} ALL {{minorCount, plural, one {kindarka} few {kindarke} other {kindarki}}} MKD {{minorCount, plural, one {deni} few {denija} other {denija}}} other {}}} other {}}',

  'decision.title': 'Rešenje o zahtevu za naknadu štete',
  'award-approved.decision': 'Fond usvaja zahtev i dosuđuje naknadu u iznosu od {amount}.',
  'award-approved.reasons': 'Zahtev ispunjava uslove za naknadu. Dosuđeni iznos odgovara utvrđenom iznosu štete, umanjenom za odbitke i u granicama koje propisi predviđaju.',
  'award-approved.payment': 'Naknada će biti isplaćena na račun naveden uz zahtev, u ratama koje Fond odredi; o datumu svake isplate bićete obavešteni.',
  'award-rejected.decision': 'Fond odbija zahtev za naknadu štete.',
  'reasons.heading': 'Obrazloženje',
  'appeal.heading': 'Pouka o pravnom leku',
  'appeal.deadline': 'Protiv ovog rešenja možete izjaviti žalbu. Žalba mora stići Fondu najkasnije {deadline} (po lokalnom vremenu, {timeZone}). Žalba primljena posle tog dana ne može se razmatrati.',
  'appeal.how': 'Žalbu podnesite u pisanom obliku, uz navođenje gore navedenog broja predmeta, i obrazložite zašto smatrate da je rešenje nepravilno.',

  'appeal-decided.title': 'Rešenje po žalbi',
  'appeal-decided.decision': '{outcome, select, upheld {Fond je razmotrio žalbu i potvrđuje svoje rešenje.} increased {Fond je razmotrio žalbu i povećava naknadu na iznos od {amount}.} reduced {Fond je razmotrio žalbu i smanjuje naknadu na iznos od {amount}.} remitted {Fond je razmotrio žalbu i poništava svoje rešenje: zahtev će biti ponovo procenjen.} other {Fond je odlučio o žalbi.}}',
  'appeal-decided.decided-on': 'O žalbi je odlučeno {decidedOn}.',
  'appeal-decided.remedy': 'Ovo rešenje po žalbi je konačno pred Fondom. Protiv njega se može pokrenuti postupak pred nadležnim sudom, u skladu sa zakonom.',

  'information-requested.title': 'Zahtev za dostavljanje podataka (br. {request})',
  'information-requested.intro': 'Radi nastavka procene zahteva, Fond traži sledeće podatke ili dokumente:',
  'information-requested.due': 'Molimo vas da odgovorite najkasnije {dueOn}. Procena zahteva miruje dok Fond ne primi odgovor.',
};
