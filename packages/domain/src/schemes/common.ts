/** Shared wording and years of the scheme files. */

export const HOLIDAY_NOTE =
  'Public holidays of every year from the date-holidays data (moving feasts and days moved off a Sunday included); '
  + 'a one-off day declared by the government is added to the version\'s calendar, a day the data has wrong is removed.';

export const CET_NOTE = 'Central European Time with summer time (last Sunday of March to last Sunday of October).';

/** The model decision time limit in calendar days (BASIS.decisionTimeLimit). */
export const MODEL_DECISION_TIME_LIMIT_DAYS = 182;

/** Bases for model values, by the scheme shape they follow (the values below name each source). */
export const BASIS = {
  noFundLaw: (country: string) =>
    `No compensation-fund law is in force in ${country}: modelled on the BAN network's model Law on a Compensation Fund idea`,
  subsidiary: 'State compensation is subsidiary: ETS 116 (the state pays when compensation is not available from other sources) and Sweden (enforcement and insurance first)',
  advances: 'France (provisional payments at any stage), Finland (an advance when entitlement is evident) and UK CICA (interim payments)',
  recovery: 'The Netherlands Schadefonds recovers from the offender, as does North Macedonia\'s law in force',
  fourEyes: 'Four-eyes threshold chosen for this model (no law sets one)',
  appeal: 'Appeal period chosen for this model; verify against the applicable administrative-procedure law',
  decisionTimeLimit: 'Decision time limit chosen for this model: 182 calendar days (26 weeks) from the application, as the Netherlands '
    + 'Schadefonds Geweldsmisdrijven decides within 26 weeks; verify against the applicable administrative-procedure law',
} as const;
