/**
 * Kosovo: application within 6 months of the crime and awards of EUR 1,500-7,000 for serious
 * injuries (lasting more than 6 weeks) are law in force (knowyourrightsks.org); the rest is a
 * model value. Kosovo's time zone in the IANA database is Europe/Belgrade (zone.tab, XK).
 */
import { fromMajor } from '../money.js';
import { BASIS, CET_NOTE, HOLIDAY_NOTE, MODEL_DECISION_TIME_LIMIT_DAYS } from './common.js';
import type { SchemeFileInput } from './schema.js';
import { law, model } from './scheme.js';

const EUR = (major: number) => fromMajor(major, 'EUR');
const XK_LAW = 'Kosovo crime-victim compensation scheme: apply within 6 months of the crime; EUR 1,500-7,000 for serious injuries lasting more than 6 weeks; complaints to a competent court (knowyourrightsks.org)';
const NOT_IN_SOURCE = 'Not given by the Kosovo source (knowyourrightsks.org); model value';

export const xk: SchemeFileInput = {
  jurisdiction: 'XK',
  country: 'Kosovo',
  versions: [
    {
      effectiveFrom: model('2016-01-01', `${NOT_IN_SOURCE}: the date from which the scheme applies is a placeholder to verify`),
      title: 'Kosovo: crime-victim compensation',
      currency: law('EUR', 'The euro is the currency used in Kosovo'),
      timeZone: law('Europe/Belgrade', `Official time of Kosovo: ${CET_NOTE} The IANA database maps Kosovo (XK) to Europe/Belgrade`),
      language: model('sq', 'Constitution of Kosovo, Art. 5: Albanian and Serbian are both official languages; Albanian, the language of most proceedings, is a model choice'),
      applicationDeadline: law({ anchor: 'incident', period: { months: 6 } }, XK_LAW),
      enforcementMustFailFirst: model(false, NOT_IN_SOURCE),
      caps: {
        total: law(EUR(7_000), XK_LAW, 'The EUR 1,500 minimum for serious injuries is not enforced by a cap; the assessor applies it'),
        perHead: {},
      },
      dualApprovalThreshold: model(EUR(3_000), `${NOT_IN_SOURCE}; ${BASIS.fourEyes}`),
      appealDays: model(30, `${NOT_IN_SOURCE}: complaints go to a competent court, the period is a model value; ${BASIS.appeal}`),
      advancePayments: model({ allowed: false, maxSharePercent: 0 }, NOT_IN_SOURCE),
      recoveryFromOffender: model(true, `${NOT_IN_SOURCE}; ${BASIS.recovery}`),
      decisionTimeLimitDays: model(MODEL_DECISION_TIME_LIMIT_DAYS, `${NOT_IN_SOURCE}; ${BASIS.decisionTimeLimit}`),
      calendar: law({ country: 'XK' }, 'Law on Official Holidays in the Republic of Kosovo', HOLIDAY_NOTE),
    },
  ],
};
