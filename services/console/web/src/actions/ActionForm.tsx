/**
 * One action on a claim as a form. The body is checked with the command service's schema before
 * anything is sent; its issues, and a 400's field errors, show on their fields. The command is
 * sent with `If-Match` (the revision on screen): a 412 means someone else changed the claim, and
 * the form offers to reload it. Any other refusal shows beside the button, in the user's language.
 */
import { useRef, useState, type FormEvent } from 'react';
import { CommandBodies, DAMAGE_HEADS, type AmountsByHead, type Currency, type DamageHead } from '@cfund/contracts';
import { api, ApiError } from '../api.ts';
import { Field, fieldId } from '../components/Field.tsx';
import { sha256Hex } from '../digest.ts';
import { AwardPreview, type AwardBasis } from './AwardPreview.tsx';
import { toMinor } from '../format.ts';
import { focusFirstError, issueMessage, problemPath, type Issue } from '../forms.ts';
import { isLocale, type MessageKey } from '../i18n/locales.ts';
import { useT } from '../i18n/use-t.ts';
import type { ActionField, ClaimAction } from './catalogue.ts';
import { useRefusalSentence } from '../i18n/refusal.ts';

export interface ClaimRef {
  claimId: string; revision: number; currency: Currency;
  /** What the assessment's preview of the award needs: the claim's scheme and the offender's payments. */
  award: AwardBasis;
}

type Values = Record<string, string | boolean>;

const initialValues = (fields: ActionField[]): Values => {
  const values: Values = {};
  for (const f of fields) {
    if (f.kind === 'heads') for (const h of DAMAGE_HEADS) values[`${f.name}.${h}`] = '';
    else if (f.kind === 'checks') for (const o of f.options ?? []) values[`${f.name}.${o}`] = false;
    else values[f.name] = f.initial ?? (f.kind === 'flag' ? false : '');
  }
  return values;
};

/** `onDone`: the revision the command produced, and the body it sent. */
export function ActionForm(props: { action: ClaimAction; claim: ClaimRef; onDone: (revision: number, body: Record<string, unknown>) => void; onReload: () => void }) {
  const t = useT();
  const sentence = useRefusalSentence();
  const { action, claim } = props;
  const [values, setValues] = useState<Values>(() => initialValues(action.fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [stale, setStale] = useState(false);
  const [unchanged, setUnchanged] = useState(false);
  const [sending, setSending] = useState(false);
  // One key per attempt: a retry after a lost answer cannot act twice.
  const idempotencyKey = useRef(crypto.randomUUID());
  const key = (name: string) => `${action.path}.${name}`;
  const title = t(action.title, action.titleValues);
  const str = (name: string) => String(values[name] ?? '').trim();

  /** The body from the values, with the fields a value could not even be read from. */
  const build = () => {
    const body: Record<string, unknown> = { ...action.fixed };
    // `a.b` goes to property b of the body's object a.
    const put = (name: string, value: unknown) => {
      const dot = name.indexOf('.');
      if (dot < 0) return void (body[name] = value);
      const outer = name.slice(0, dot);
      body[outer] = { ...(body[outer] as Record<string, unknown> | undefined), [name.slice(dot + 1)]: value };
    };
    const unreadable: Record<string, string> = {};
    const headsOf: Record<string, DamageHead[]> = {};
    for (const f of action.fields) {
      const v = str(f.name);
      switch (f.kind) {
        case 'choice':
          if (f.nullOption !== undefined && v === f.nullOption) put(f.name, null);
          else if (v) put(f.name, v);
          break;
        case 'text': case 'textarea': case 'date': case 'digest':
          if (v) put(f.name, v);
          break;
        case 'lines':
          body[f.name] = v.split('\n').map((l) => l.trim()).filter(Boolean);
          break;
        case 'instant': {
          const at = v ? new Date(v) : undefined;
          if (at && !Number.isNaN(at.getTime())) body[f.name] = at.toISOString();
          break;
        }
        case 'count':
          if (v) body[f.name] = /^\d+$/.test(v) ? Number(v) : v;
          break;
        case 'flag':
          body[f.name] = values[f.name] === true;
          break;
        case 'checks':
          body[f.name] = (f.options ?? []).filter((o) => values[`${f.name}.${o}`] === true);
          break;
        case 'money': {
          if (!v) break;
          const amountMinor = toMinor(v, claim.currency);
          if (amountMinor === undefined) unreadable[f.name] = t('error.notANumber');
          else body[f.name] = { amountMinor, currency: claim.currency };
          break;
        }
        case 'heads': {
          const heads: DamageHead[] = [];
          const amounts = [];
          for (const head of DAMAGE_HEADS) {
            const typed = str(`${f.name}.${head}`);
            if (!typed) continue;
            const amountMinor = toMinor(typed, claim.currency);
            if (amountMinor === undefined) unreadable[`${f.name}.${head}`] = t('error.notANumber');
            else {
              heads.push(head);
              amounts.push({ head, amount: { amountMinor, currency: claim.currency } });
            }
          }
          headsOf[f.name] = heads;
          body[f.name] = amounts;
          break;
        }
      }
    }
    /** The field an issue's path names (an index into a list of heads: that head's field). */
    const fieldOf = (path: readonly PropertyKey[]): string => {
      const name = String(path[0] ?? '');
      const nested = typeof path[1] === 'string' ? `${name}.${path[1]}` : undefined;
      if (nested && action.fields.some((f) => f.name === nested)) return nested;
      // The whole object missing: shown on its first field.
      const inner = action.fields.find((f) => f.name.startsWith(`${name}.`));
      if (inner && !action.fields.some((f) => f.name === name)) return inner.name;
      const heads = headsOf[name];
      return heads && typeof path[1] === 'number' && heads[path[1]] ? `${name}.${heads[path[1]]}` : name;
    };
    return { body, unreadable, fieldOf };
  };

  /** The heads typed so far that read as amounts more than zero. */
  const previewAmounts = (): AmountsByHead => {
    const { body } = build();
    return ((body.assessedAmounts ?? []) as AmountsByHead).filter((a) => a.amount.amountMinor > 0);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRefusal(undefined);
    setStale(false);
    setUnchanged(false);
    // A value recorded already, saved again, would record it again: say so and send nothing.
    if (action.onlyChanges && Object.entries(initialValues(action.fields)).every(([name, value]) => values[name] === value)) {
      setErrors({});
      return setUnchanged(true);
    }
    const { body, unreadable, fieldOf } = build();
    const found = { ...unreadable };
    const checked = CommandBodies[action.command].safeParse(body);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        found[fieldOf(issue.path)] ??= issue.code === 'custom' && action.customError ? t(action.customError) : issueMessage(t, issue as Issue, 'error.atLeastOne');
      }
    }
    const shown = Object.fromEntries(Object.entries(found).map(([f, m]) => [key(f), m]));
    setErrors(shown);
    if (Object.keys(shown).length > 0) {
      focusFirstError(shown, action.fields.filter((f) => f.kind === 'heads' || f.kind === 'checks').map((f) => key(f.name)));
      return;
    }
    setSending(true);
    try {
      const { body: result } = await api<{ revision: number }>(`/api/commands/claims/${claim.claimId}/${action.path}`, {
        method: 'POST', body: checked.data, headers: { 'if-match': `"${claim.revision}"`, 'idempotency-key': idempotencyKey.current },
      });
      idempotencyKey.current = crypto.randomUUID();
      props.onDone(result.revision, checked.data as Record<string, unknown>);
    } catch (e) {
      const problem = e instanceof ApiError ? e.problem : undefined;
      // A refusal wrote nothing: the next attempt is a new request. After a lost answer the same key makes a retry safe.
      if (problem && problem.status < 500) idempotencyKey.current = crypto.randomUUID();
      if (problem?.status === 412) setStale(true);
      else if (problem?.status === 400 && problem.errors?.length) {
        const server: Record<string, string> = {};
        for (const err of problem.errors) server[key(fieldOf(problemPath(err.path)))] ??= err.message;
        setErrors(server);
        focusFirstError(server);
      } else setRefusal(sentence(e));
    } finally {
      setSending(false);
    }
  };

  const set = (name: string, value: string | boolean) => {
    setUnchanged(false);
    setValues({ ...values, [name]: value });
  };
  const input = (name: string, label: string, type: string, extra: { inputMode?: 'decimal' | 'numeric' } = {}) => (
    <Field key={name} name={key(name)} label={label} error={errors[key(name)]}>
      {(attrs) => <input {...attrs} {...extra} type={type} autoComplete="off" value={String(values[name])} onChange={(e) => set(name, e.target.value)} />}
    </Field>
  );

  const optionText = (f: ActionField, o: string) => f.optionText?.[o] ?? (f.optionWords ? t(`${f.optionWords}.${o}` as MessageKey) : o);
  const field = (f: ActionField) => {
    const label = t(f.label, { currency: claim.currency });
    switch (f.kind) {
      case 'text': return input(f.name, label, 'text');
      case 'date': return input(f.name, label, 'date');
      case 'instant': return input(f.name, label, 'datetime-local');
      case 'money': return input(f.name, label, 'text', { inputMode: 'decimal' });
      case 'count': return input(f.name, label, 'text', { inputMode: 'numeric' });
      case 'textarea': case 'lines':
        return (
          <Field key={f.name} name={key(f.name)} label={label} error={errors[key(f.name)]}>
            {(attrs) => <textarea {...attrs} rows={3} value={String(values[f.name])} onChange={(e) => set(f.name, e.target.value)} />}
          </Field>
        );
      case 'choice':
        return (
          <Field key={f.name} name={key(f.name)} label={label} error={errors[key(f.name)]}>
            {(attrs) => (
              <select {...attrs} value={String(values[f.name])} onChange={(e) => set(f.name, e.target.value)}>
                {f.options!.map((o) => <option key={o} value={o} lang={f.languages && isLocale(o) ? o : undefined}>{optionText(f, o)}</option>)}
              </select>
            )}
          </Field>
        );
      case 'digest':
        return (
          <Field key={f.name} name={key(f.name)} label={label} error={errors[key(f.name)]} hint={t('field.documentHint')}>
            {(attrs) => (
              <>
                <input
                  {...attrs} type="file"
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    if (!file) return setValues((v) => ({ ...v, [f.name]: '' }));
                    sha256Hex(file).then((hex) => setValues((v) => ({ ...v, [f.name]: hex })), (err: unknown) => setRefusal((err as Error).message));
                  }}
                />
                {str(f.name) && <p className="hint digest" data-testid="digest">{t('field.digestIs', { digest: str(f.name) })}</p>}
              </>
            )}
          </Field>
        );
      case 'flag':
        return (
          <div key={f.name} className="field flag">
            <label>
              <input type="checkbox" name={key(f.name)} checked={values[f.name] === true} onChange={(e) => set(f.name, e.target.checked)} /> {label}
            </label>
          </div>
        );
      case 'checks': {
        const group = fieldId(key(f.name));
        return (
          <fieldset key={f.name} id={group} tabIndex={-1} aria-describedby={errors[key(f.name)] ? `${group}-error` : undefined}>
            <legend>{label}</legend>
            {errors[key(f.name)] && <p id={`${group}-error`} className="field-error">{errors[key(f.name)]}</p>}
            {(f.options ?? []).map((o) => (
              <div key={o} className="field flag">
                <label>
                  <input type="checkbox" name={key(`${f.name}.${o}`)} checked={values[`${f.name}.${o}`] === true} onChange={(e) => set(`${f.name}.${o}`, e.target.checked)} /> {optionText(f, o)}
                </label>
              </div>
            ))}
          </fieldset>
        );
      }
      case 'heads': {
        const group = fieldId(key(f.name));
        return (
          <fieldset key={f.name} id={group} tabIndex={-1} aria-describedby={errors[key(f.name)] ? `${group}-error` : undefined}>
            <legend>{label}</legend>
            {errors[key(f.name)] && <p id={`${group}-error`} className="field-error">{errors[key(f.name)]}</p>}
            {DAMAGE_HEADS.map((h) => input(`${f.name}.${h}`, t(`head.${h}` as MessageKey), 'text', { inputMode: 'decimal' }))}
          </fieldset>
        );
      }
    }
  };

  // Not in the fields' namespace (f-<path>-<field>): a field named `title` would share the id.
  const titleId = `h-${fieldId(action.path)}`;
  return (
    <section className="action" aria-labelledby={titleId}>
      <h3 id={titleId}>{title}</h3>
      <form noValidate onSubmit={(e) => void submit(e)}>
        {action.fields.map(field)}
        {action.preview === 'award' && values.eligible === true && <AwardPreview basis={claim.award} assessed={previewAmounts()} />}
        <div className="actions">
          <button type="submit" disabled={sending}>{t(action.submit)}</button>
          {unchanged && <p role="status" className="unchanged">{t('action.unchanged')}</p>}
          {refusal && <p role="alert" className="refusal">{t('action.refused', { detail: refusal })}</p>}
          {stale && (
            <p role="alert" className="refusal">
              {t('action.stale')} <button type="button" onClick={props.onReload}>{t('action.reload')}</button>
            </p>
          )}
        </div>
      </form>
    </section>
  );
}
