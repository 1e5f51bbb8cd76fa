/**
 * North Macedonia: the Law on Payment of Monetary Compensation to Victims of Violent Crimes is in
 * force (from 25.11.2022, applied from 25.05.2023): awards up to EUR 5,000 and recourse against
 * the offender are law in force; the rest is a model value.
 *
 * Currency: the law states its cap in euros, but claims, court awards, offender payments and the
 * State's payments are in denars, and a claim is kept in one currency. The scheme therefore
 * works in MKD and holds the EUR 5,000 cap as MKD 307,500 at a fixed 61.5 MKD/EUR; that rate is
 * a model value (the denar is kept stable against the euro at about this rate) and is to be
 * replaced by the conversion rule the Commission applies.
 */
import { fromMajor } from '../money.js';
import { BASIS, CET_NOTE, HOLIDAY_NOTE, MODEL_DECISION_TIME_LIMIT_DAYS } from './common.js';
import type { SchemeFileInput } from './schema.js';
import { law, model } from './scheme.js';

const MKD = (major: number) => fromMajor(major, 'MKD');
export const MK_LAW = 'Law on Payment of Monetary Compensation to Victims of Violent Crimes (North Macedonia), in force 25.11.2022, applied from 25.05.2023; a State Commission decides (komisija.unet.mk)';
/** MKD per EUR used to hold the law's EUR amounts (a model value). */
export const MKD_PER_EUR = 61.5;
const NOT_IN_LAW = 'Not set by the law as published by the State Commission (komisija.unet.mk); model value';

export const mk: SchemeFileInput = {
  jurisdiction: 'MK',
  country: 'North Macedonia',
  versions: [
    {
      effectiveFrom: law('2023-05-25', MK_LAW, 'The date from which the law is applied'),
      title: 'North Macedonia: Law on Payment of Monetary Compensation to Victims of Violent Crimes',
      currency: law('MKD', 'Macedonian denar, legal tender in North Macedonia', 'The law states its cap in EUR; see caps.total'),
      timeZone: law('Europe/Skopje', `Official time of North Macedonia: ${CET_NOTE}`),
      language: law('mk', 'Constitution of the Republic of North Macedonia, Amendment V: the Macedonian language in its Cyrillic alphabet is the official language'),
      applicationDeadline: model({ anchor: 'incident', period: { months: 24 } }, `${NOT_IN_LAW}; 2 years from the incident as UK CICA`),
      enforcementMustFailFirst: model(false, `${NOT_IN_LAW}; the State pays and has recourse against the offender, so prior enforcement is not required here`),
      caps: {
        total: law(
          MKD(5_000 * MKD_PER_EUR),
          MK_LAW,
          `EUR 5,000 in the law, held as MKD 307,500 at the fixed rate of ${MKD_PER_EUR} MKD/EUR, which is a model value`,
        ),
        perHead: {},
      },
      dualApprovalThreshold: model(MKD(120_000), `${NOT_IN_LAW}; the Commission decides collegially; ${BASIS.fourEyes}`),
      appealDays: model(30, `${NOT_IN_LAW}; ${BASIS.appeal}`),
      advancePayments: model({ allowed: false, maxSharePercent: 0 }, NOT_IN_LAW),
      recoveryFromOffender: law(true, MK_LAW, 'The State has recourse against the offender'),
      decisionTimeLimitDays: model(MODEL_DECISION_TIME_LIMIT_DAYS, `${NOT_IN_LAW}; ${BASIS.decisionTimeLimit}`),
      calendar: law({ country: 'MK' }, 'Law on Holidays of the Republic of North Macedonia', HOLIDAY_NOTE),
    },
  ],
};
