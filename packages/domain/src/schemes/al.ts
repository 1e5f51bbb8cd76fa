/**
 * Albania: a special fund from confiscated assets (Law 10192/2009) is partly meant for victims,
 * but there is no compensation scheme with the rules below; every scheme value is a model value.
 */
import { fromMajor } from '../money.js';
import { BASIS, CET_NOTE, HOLIDAY_NOTE, MODEL_DECISION_TIME_LIMIT_DAYS } from './common.js';
import type { SchemeFileInput } from './schema.js';
import { law, model } from './scheme.js';

const ALL = (major: number) => fromMajor(major, 'ALL');
const NO_LAW = `${BASIS.noFundLaw('Albania')} (Law 10192/2009 sets up a fund from confiscated assets partly meant for victims, without these rules)`;

export const al: SchemeFileInput = {
  jurisdiction: 'AL',
  country: 'Albania',
  versions: [
    {
      effectiveFrom: model('2025-01-01', `${NO_LAW}; a hypothetical start date`),
      title: 'Albania: model State Compensation Fund (not law in force)',
      currency: law('ALL', 'Albanian lek, legal tender in Albania'),
      timeZone: law('Europe/Tirane', `Official time of Albania: ${CET_NOTE}`),
      language: law('sq', 'Constitution of the Republic of Albania, Art. 14: the official language is Albanian'),
      applicationDeadline: model(
        { anchor: 'ruling-final', period: { months: 12 } },
        `${NO_LAW}; 1 year after the final criminal decision as France (CIVI/FGTI)`,
      ),
      enforcementMustFailFirst: model(true, `${NO_LAW}; ${BASIS.subsidiary}`),
      caps: {
        total: model(ALL(1_200_000), NO_LAW),
        perHead: {
          'non-pecuniary': model(ALL(800_000), NO_LAW),
          'lost-earnings': model(ALL(500_000), NO_LAW),
          'medical-costs': model(ALL(400_000), NO_LAW),
          'loss-of-maintenance': model(ALL(600_000), NO_LAW),
          'funeral-costs': model(ALL(100_000), NO_LAW),
        },
      },
      dualApprovalThreshold: model(ALL(300_000), `${NO_LAW}; ${BASIS.fourEyes}`),
      appealDays: model(30, `${NO_LAW}; ${BASIS.appeal}`),
      advancePayments: model({ allowed: false, maxSharePercent: 0 }, `${NO_LAW}; no advances until the fund's financing from confiscated assets is settled`),
      recoveryFromOffender: model(true, `${NO_LAW}; ${BASIS.recovery}`),
      decisionTimeLimitDays: model(MODEL_DECISION_TIME_LIMIT_DAYS, `${NO_LAW}; ${BASIS.decisionTimeLimit}`),
      calendar: law({ country: 'AL' }, 'Albanian law on public holidays and memorial days (as amended)', HOLIDAY_NOTE),
    },
  ],
};
