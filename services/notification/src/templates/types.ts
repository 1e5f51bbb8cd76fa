export interface RenderedNotification {
  subject: string;
  text: string;
  html: string;
}
