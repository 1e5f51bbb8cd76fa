/** A labelled form control with its error below it, tied together for screen readers. */
import type { ReactNode } from 'react';

export const fieldId = (key: string): string => `f-${key.replace(/[^\w]/g, '-')}`;

export function Field(props: { name: string; label: string; error?: string | undefined; hint?: string; children: (attrs: FieldAttrs) => ReactNode }) {
  const id = fieldId(props.name);
  const describedBy = [props.error ? `${id}-error` : '', props.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div className={props.error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.hint && <p id={`${id}-hint`} className="hint">{props.hint}</p>}
      {props.children({ id, name: props.name, 'aria-invalid': props.error ? true : undefined, 'aria-describedby': describedBy || undefined })}
      {props.error && <p id={`${id}-error`} className="field-error">{props.error}</p>}
    </div>
  );
}

export interface FieldAttrs {
  id: string;
  name: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}
