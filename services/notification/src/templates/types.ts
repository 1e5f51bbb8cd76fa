import type { Topic } from '../routing/topics.js';

/** A topic's texts: `subject` and `text` (plain text); `html` optional (else made from `text`). */
export interface TopicTemplate {
  subject: string;
  text: string;
  html?: string;
}

/**
 * One locale's messages. A locale file may hold only some topics or codes: what it lacks comes
 * from English.
 */
export interface LocaleMessages {
  /** BCP 47 tag, also used by luxon for dates (e.g. `sr-Latn`, `sq`, `mk`, `bs`, `cnr`). */
  locale: string;
  footer?: string;
  codes?: Record<string, string>;
  topics: Partial<Record<Topic, TopicTemplate>>;
}

export interface RenderedNotification {
  subject: string;
  text: string;
  html: string;
}
