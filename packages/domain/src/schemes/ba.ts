/** Bosnia and Herzegovina: no compensation fund exists; every scheme value is a model value. */
import { fromMajor } from '../money.js';
import { BASIS, CET_NOTE, HOLIDAY_NOTE, MODEL_DECISION_TIME_LIMIT_DAYS } from './common.js';
import type { SchemeFileInput } from './schema.js';
import { law, model } from './scheme.js';

const BAM = (major: number) => fromMajor(major, 'BAM');
const NO_LAW = BASIS.noFundLaw('Bosnia and Herzegovina');

export const ba: SchemeFileInput = {
  jurisdiction: 'BA',
  country: 'Bosnia and Herzegovina',
  versions: [
    {
      effectiveFrom: model('2025-01-01', `${NO_LAW}; a hypothetical start date`),
      title: 'Bosnia and Herzegovina: model State Compensation Fund (not law in force)',
      currency: law('BAM', 'Convertible mark (KM), legal tender in Bosnia and Herzegovina'),
      timeZone: law('Europe/Sarajevo', `Official time of Bosnia and Herzegovina: ${CET_NOTE}`),
      language: model('bs', 'Bosnian, Croatian and Serbian are all in official use in Bosnia and Herzegovina; which one a fund proceeds in is not settled: Bosnian is a model choice'),
      applicationDeadline: model(
        { anchor: 'enforcement-failed', period: { months: 12 } },
        `${NO_LAW}; 1 year as France's limit after the final criminal decision, counted here from the failed enforcement (the SARVI shape: the fund advances an unpaid court award)`,
      ),
      enforcementMustFailFirst: model(true, `${NO_LAW}; ${BASIS.subsidiary}`),
      caps: {
        total: model(BAM(20_000), NO_LAW),
        perHead: {
          'non-pecuniary': model(BAM(15_000), `${NO_LAW}; twice the first criminal-court award to a trafficking victim (KM 7,500, 2019)`),
          'lost-earnings': model(BAM(10_000), NO_LAW),
          'medical-costs': model(BAM(8_000), NO_LAW),
          'loss-of-maintenance': model(BAM(10_000), NO_LAW),
          'funeral-costs': model(BAM(2_000), NO_LAW),
        },
      },
      dualApprovalThreshold: model(BAM(5_000), `${NO_LAW}; ${BASIS.fourEyes}`),
      appealDays: model(15, `${NO_LAW}; ${BASIS.appeal}`),
      advancePayments: model({ allowed: true, maxSharePercent: 30 }, `${NO_LAW}; ${BASIS.advances}`),
      recoveryFromOffender: model(true, `${NO_LAW}; ${BASIS.recovery}`),
      decisionTimeLimitDays: model(MODEL_DECISION_TIME_LIMIT_DAYS, `${NO_LAW}; ${BASIS.decisionTimeLimit}`),
      calendar: model(
        { country: 'BA', region: 'BIH' },
        'No state-level holiday law: the Federation\'s Law on Holidays, as a state fund would sit in Sarajevo; '
        + 'a version for courts or a fund of Republika Srpska (SRP) or Brčko District (BRC) chooses that region',
        HOLIDAY_NOTE,
      ),
    },
  ],
};
