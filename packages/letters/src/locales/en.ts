/**
 * The letters in English: the reference catalogue (every other locale has exactly these messages).
 * Produced by: an AI assistant (Claude) for the project. Reviewed: by the project's engineers.
 *
 * Nothing here may say, or let a reader infer, why the applicant is entitled: a letter is opened by
 * whoever collects the post. The words "trafficking", "exploitation" and "victim" never appear
 * (test/letters.test.ts checks every locale).
 */
export const EN = {
  'fund.name': 'Compensation Fund ({jurisdiction, select, RS {Republic of Serbia} BA {Bosnia and Herzegovina} ME {Montenegro} AL {Republic of Albania} MK {Republic of North Macedonia} XK {Kosovo} other {{jurisdiction}}})',
  'letter.confidential': 'Personal and confidential',
  'letter.addressee': 'To the applicant in case {publicReference}, through their authorised representative',
  'letter.date': 'Date: {date}',
  'letter.reference': 'Reference: {publicReference}',
  'letter.closing': 'For the Fund',
  'letter.footer': 'Reference {publicReference}. Please quote this reference in every reply. Page {page} of {pages}.',

  'amount.in-words': 'In words: {words}.',
  'amount.words': '{major} {currency, select, RSD {{majorCount, plural, one {dinar} other {dinars}}} BAM {{majorCount, plural, one {convertible mark} other {convertible marks}}} EUR {{majorCount, plural, one {euro} other {euros}}} ALL {{majorCount, plural, one {lek} other {lekë}}} MKD {{majorCount, plural, one {denar} other {denars}}} other {{currency}}}{hasMinor, select, yes { and {minor} {currency, select, RSD {{minorCount, plural, one {para} other {para}}} BAM {{minorCount, plural, one {fening} other {feningas}}} EUR {{minorCount, plural, one {cent} other {cents}}} ALL {{minorCount, plural, one {qindarka} other {qindarka}}} MKD {{minorCount, plural, one {deni} other {deni}}} other {}}} other {}}',

  'decision.title': 'Decision on the application for compensation',
  'award-approved.decision': 'The Fund approves the application and awards compensation of {amount}.',
  'award-approved.reasons': 'The application meets the conditions of the scheme. The amount awarded is the amount assessed, less the deductions and within the limits the scheme provides for.',
  'award-approved.payment': 'The compensation will be paid to the account given for the application, in the instalments the Fund schedules; you will be told the date of each payment.',
  'award-rejected.decision': 'The Fund rejects the application for compensation.',
  'reasons.heading': 'Reasons',
  'appeal.heading': 'Right to appeal',
  'appeal.deadline': 'You may appeal against this decision. The appeal must reach the Fund no later than {deadline} (local time, {timeZone}). An appeal received after that day cannot be considered.',
  'appeal.how': 'Send the appeal in writing, quoting the reference above, and state why you consider the decision wrong.',

  'appeal-decided.title': 'Decision on the appeal',
  'appeal-decided.decision': '{outcome, select, upheld {The Fund has examined the appeal and upholds its decision.} increased {The Fund has examined the appeal and increases the compensation to {amount}.} reduced {The Fund has examined the appeal and reduces the compensation to {amount}.} remitted {The Fund has examined the appeal and sets its decision aside: the application will be assessed again.} other {The Fund has decided on the appeal.}}',
  'appeal-decided.decided-on': 'The appeal was decided on {decidedOn}.',
  'appeal-decided.remedy': 'This decision on the appeal is final within the Fund. It may be challenged before the competent court as the law provides.',

  'information-requested.title': 'Request for information (no. {request})',
  'information-requested.intro': 'To continue the assessment of the application, the Fund asks for the following information or documents:',
  'information-requested.due': 'Please reply no later than {dueOn}. The assessment of the application is paused until the Fund has the reply.',
} as const;

export type LetterMessageId = keyof typeof EN;
