/** Serbia: no compensation fund exists; every scheme value is a model value. */
import { fromMajor } from '../money.js';
import { BASIS, CET_NOTE, HOLIDAY_NOTE, MODEL_DECISION_TIME_LIMIT_DAYS } from './common.js';
import type { SchemeFileInput } from './schema.js';
import { law, model } from './scheme.js';

const RSD = (major: number) => fromMajor(major, 'RSD');
const NO_LAW = BASIS.noFundLaw('Serbia');

export const rs: SchemeFileInput = {
  jurisdiction: 'RS',
  country: 'Serbia',
  versions: [
    {
      effectiveFrom: model('2025-01-01', `${NO_LAW}; a hypothetical start date`),
      title: 'Serbia: model State Compensation Fund (not law in force)',
      currency: law('RSD', 'Serbian dinar, legal tender in Serbia'),
      timeZone: law('Europe/Belgrade', `Official time of Serbia: ${CET_NOTE}`),
      language: law('sr-Cyrl', 'Constitution of the Republic of Serbia, Art. 10: the Serbian language and the Cyrillic script are in official use'),
      applicationDeadline: model(
        { anchor: 'ruling-final', period: { months: 36 } },
        `${NO_LAW}; 3 years from the final judgment as in Sweden and Finland`,
      ),
      enforcementMustFailFirst: model(true, `${NO_LAW}; ${BASIS.subsidiary}`),
      caps: {
        total: model(RSD(2_000_000), `${NO_LAW}; twice the only trafficking award paid in Serbia (RSD 1,000,000 non-pecuniary)`),
        perHead: {
          'non-pecuniary': model(RSD(1_500_000), `${NO_LAW}; above the RSD 1,000,000 non-pecuniary award paid in Serbia`),
          'lost-earnings': model(RSD(1_000_000), NO_LAW),
          'medical-costs': model(RSD(800_000), NO_LAW),
          'loss-of-maintenance': model(RSD(1_000_000), NO_LAW),
          'funeral-costs': model(RSD(150_000), NO_LAW),
        },
      },
      dualApprovalThreshold: model(RSD(500_000), `${NO_LAW}; ${BASIS.fourEyes}`),
      appealDays: model(15, `${NO_LAW}; ${BASIS.appeal}`),
      advancePayments: model({ allowed: true, maxSharePercent: 50 }, `${NO_LAW}; ${BASIS.advances}`),
      recoveryFromOffender: model(true, `${NO_LAW}; ${BASIS.recovery}`),
      decisionTimeLimitDays: model(MODEL_DECISION_TIME_LIMIT_DAYS, `${NO_LAW}; ${BASIS.decisionTimeLimit}`),
      calendar: law({ country: 'RS' }, 'Law on State and Other Holidays in the Republic of Serbia', HOLIDAY_NOTE),
    },
  ],
};
