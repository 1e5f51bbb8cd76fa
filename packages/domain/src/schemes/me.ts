/**
 * Montenegro: a 2015 law covers trafficking victims, but its application is postponed until EU
 * accession, so no value here is law in force; the model follows that law's shape where known
 * (urgent payment possible before court proceedings).
 */
import { fromMajor } from '../money.js';
import { BASIS, CET_NOTE, HOLIDAY_NOTE, MODEL_DECISION_TIME_LIMIT_DAYS } from './common.js';
import type { SchemeFileInput } from './schema.js';
import { law, model } from './scheme.js';

const EUR = (major: number) => fromMajor(major, 'EUR');
const POSTPONED = 'Montenegro\'s 2015 compensation law (covers trafficking; a Commission chaired by a Supreme Court judge) is adopted but its application is postponed until EU accession';

export const me: SchemeFileInput = {
  jurisdiction: 'ME',
  country: 'Montenegro',
  versions: [
    {
      effectiveFrom: model('2025-01-01', `${POSTPONED}; a hypothetical start date`),
      title: 'Montenegro: model scheme after the 2015 law (not applied yet)',
      currency: law('EUR', 'The euro is the currency used in Montenegro'),
      timeZone: law('Europe/Podgorica', `Official time of Montenegro: ${CET_NOTE}`),
      language: law('cnr', 'Constitution of Montenegro, Art. 13: the official language in Montenegro is Montenegrin'),
      applicationDeadline: model(
        { anchor: 'incident', period: { months: 24 } },
        `${POSTPONED}; 2 years from the incident as UK CICA`,
      ),
      enforcementMustFailFirst: model(false, `${POSTPONED}; that law allows urgent payment before court proceedings`),
      caps: {
        total: model(EUR(10_000), POSTPONED),
        perHead: {
          'non-pecuniary': model(EUR(7_000), POSTPONED),
          'lost-earnings': model(EUR(5_000), `${POSTPONED}; near Croatia's lost-earnings cap (EUR 4,645.30)`),
          'medical-costs': model(EUR(4_000), POSTPONED),
          'loss-of-maintenance': model(EUR(9_000), `${POSTPONED}; near Croatia's loss-of-maintenance cap (EUR 9,290.60)`),
          'funeral-costs': model(EUR(1_000), `${POSTPONED}; above Croatia's funeral cap (EUR 663.61)`),
        },
      },
      dualApprovalThreshold: model(EUR(3_000), `${POSTPONED}; ${BASIS.fourEyes}`),
      appealDays: model(15, `${POSTPONED}; ${BASIS.appeal}`),
      advancePayments: model({ allowed: true, maxSharePercent: 50 }, `${POSTPONED}; urgent payment before court proceedings; ${BASIS.advances}`),
      recoveryFromOffender: model(true, `${POSTPONED}; ${BASIS.recovery}`),
      decisionTimeLimitDays: model(MODEL_DECISION_TIME_LIMIT_DAYS, `${POSTPONED}; ${BASIS.decisionTimeLimit}`),
      calendar: law({ country: 'ME' }, 'Law on State and Other Holidays of Montenegro', HOLIDAY_NOTE),
    },
  ],
};
