/**
 * One command of the payment screens: sent once at a time with an Idempotency-Key (a retry after a
 * lost answer cannot act twice), its refusal kept to be shown beside the action in the user's
 * language, and a 412 (someone else changed it meanwhile) turned into an offer to reload.
 */
import { useRef, useState } from 'react';
import { ApiError, type Problem } from '../../api.ts';
import { useIntl } from 'react-intl';
import { refusalSentence } from '../../i18n/refusal.ts';
import { useT } from '../../i18n/use-t.ts';

export interface Command {
  sending: boolean;
  problem: Problem | undefined;
  /** Runs the call with this attempt's key; undefined when it was refused (the problem says why). */
  send<T>(call: (idempotencyKey: string) => Promise<T>): Promise<T | undefined>;
}

export function useCommand(): Command {
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const key = useRef(crypto.randomUUID());
  return {
    sending, problem,
    async send(call) {
      setProblem(undefined);
      setSending(true);
      try {
        const result = await call(key.current);
        key.current = crypto.randomUUID();
        return result;
      } catch (e) {
        const p: Problem = e instanceof ApiError ? e.problem : { status: 0, detail: (e as Error).message };
        // A refusal wrote nothing: the next attempt is a new request. After a lost answer the same key makes a retry safe.
        if (p.status > 0 && p.status < 500) key.current = crypto.randomUUID();
        setProblem(p);
        return undefined;
      } finally {
        setSending(false);
      }
    },
  };
}

/** The refusal beside its action: in the user's language (refusal.ts), or, for a 412, what happened and a reload. */
export function Refusal(props: { problem: Problem | undefined; onReload: () => void }) {
  const t = useT();
  const intl = useIntl();
  const { problem } = props;
  if (!problem) return null;
  if (problem.status === 412) {
    return (
      <p role="alert" className="refusal">
        {t('payments.stale')} <button type="button" onClick={props.onReload}>{t('payments.reload')}</button>
      </p>
    );
  }
  return <p role="alert" className="refusal">{t('action.refused', { detail: refusalSentence(intl, problem) })}</p>;
}
