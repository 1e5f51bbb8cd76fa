/** The statuses the projection's list filters by, in the order of a claim's life (the i18n test holds it to the API's). */
export const CLAIM_STATUSES = ['filed', 'applied', 'assessed', 'approved', 'rejected', 'notified', 'appealed', 'scheduled', 'paid', 'withdrawn', 'closed'] as const;
