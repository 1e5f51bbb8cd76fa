/**
 * The letters in Montenegrin (ijekavian, Latin script).
 * Produced by: an AI assistant (Claude) for the project, from the Bosnian catalogue, with Montenegrin usage (ovlašćeni, bićete, strana).
 * Native-speaker review: NOT reviewed by a native speaker. Start with the appeal paragraph and
 * the currency forms (konvertibilna marka / marke / maraka, fening / feninga).
 */
import type { LetterMessageId } from './en.js';

export const CNR: Record<LetterMessageId, string> = {
  'fund.name': 'Fond za naknadu štete ({jurisdiction, select, RS {Republika Srbija} BA {Bosna i Hercegovina} ME {Crna Gora} AL {Republika Albanija} MK {Republika Sjeverna Makedonija} XK {Kosovo} other {{jurisdiction}}})',
  'letter.confidential': 'Lično i povjerljivo',
  'letter.addressee': 'Podnosiocu zahtjeva u predmetu {publicReference}, preko ovlašćenog zastupnika',
  'letter.date': 'Datum: {date}',
  'letter.reference': 'Broj predmeta: {publicReference}',
  'letter.closing': 'Za Fond',
  'letter.footer': 'Broj predmeta {publicReference}. Molimo vas da ovaj broj navedete u svakom odgovoru. Strana {page} od {pages}.',

  'amount.in-words': 'Slovima: {words}.',
  'amount.words': '{major} {currency, select, RSD {{majorCount, plural, one {dinar} few {dinara} other {dinara}}} BAM {{majorCount, plural, one {konvertibilna marka} few {konvertibilne marke} other {konvertibilnih maraka}}} EUR {{majorCount, plural, one {euro} few {eura} other {eura}}} ALL {{majorCount, plural, one {lek} few {leka} other {leka}}} MKD {{majorCount, plural, one {denar} few {denara} other {denara}}} other {{currency}}}{hasMinor, select, yes { i {minor} {currency, select, RSD {{minorCount, plural, one {para} few {pare} other {para}}} BAM {{minorCount, plural, one {fening} few {feninga} other {feninga}}} EUR {{minorCount, plural, one {cent} few {centa} other {centi}}} ALL {{minorCount, plural, one {kindarka} few {kindarke} other {kindarki}}} MKD {{minorCount, plural, one {deni} few {denija} other {denija}}} other {}}} other {}}',

  'decision.title': 'Rješenje o zahtjevu za naknadu štete',
  'award-approved.decision': 'Fond usvaja zahtjev i dosuđuje naknadu u iznosu od {amount}.',
  'award-approved.reasons': 'Zahtjev ispunjava uslove za naknadu. Dosuđeni iznos odgovara utvrđenom iznosu štete, umanjenom za odbitke i u granicama koje propisi predviđaju.',
  'award-approved.payment': 'Naknada će biti isplaćena na račun naveden uz zahtjev, u ratama koje Fond odredi; o datumu svake isplate bićete obaviješteni.',
  'award-rejected.decision': 'Fond odbija zahtjev za naknadu štete.',
  'reasons.heading': 'Obrazloženje',
  'appeal.heading': 'Pouka o pravnom lijeku',
  'appeal.deadline': 'Protiv ovog rješenja možete izjaviti žalbu. Žalba mora stići Fondu najkasnije {deadline} (po lokalnom vremenu, {timeZone}). Žalba primljena nakon tog dana ne može se razmatrati.',
  'appeal.how': 'Žalbu podnesite u pisanom obliku, uz navođenje gore navedenog broja predmeta, i obrazložite zašto smatrate da je rješenje nepravilno.',

  'appeal-decided.title': 'Rješenje po žalbi',
  'appeal-decided.decision': '{outcome, select, upheld {Fond je razmotrio žalbu i potvrđuje svoje rješenje.} increased {Fond je razmotrio žalbu i povećava naknadu na iznos od {amount}.} reduced {Fond je razmotrio žalbu i smanjuje naknadu na iznos od {amount}.} remitted {Fond je razmotrio žalbu i poništava svoje rješenje: zahtjev će biti ponovo procijenjen.} other {Fond je odlučio o žalbi.}}',
  'appeal-decided.decided-on': 'O žalbi je odlučeno {decidedOn}.',
  'appeal-decided.remedy': 'Ovo rješenje po žalbi je konačno pred Fondom. Protiv njega se može pokrenuti postupak pred nadležnim sudom, u skladu sa zakonom.',

  'information-requested.title': 'Zahtjev za dostavljanje podataka (br. {request})',
  'information-requested.intro': 'Radi nastavka procjene zahtjeva, Fond traži sljedeće podatke ili dokumente:',
  'information-requested.due': 'Molimo vas da odgovorite najkasnije {dueOn}. Procjena zahtjeva miruje dok Fond ne primi odgovor.',
};
