import { severityOf, type NotifyEvent } from './events.ts';

/**
 * The request body each webhook format expects:
 * - json: the event itself `{type, severity, text, details, at}` (any HTTP receiver),
 * - slack: an incoming webhook's `{text}`,
 * - discord: a webhook's `{content}` (at most 2000 characters),
 * - telegram: the bot API's sendMessage `{chat_id, text}` (POST https://api.telegram.org/bot<token>/sendMessage).
 */

/** The payload formats. */
export const NOTIFY_FORMATS = ['json', 'slack', 'discord', 'telegram'] as const;

/** One payload format. */
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

const ICON = { info: 'ℹ️', warning: '⚠️', critical: '🚨' } as const;
const DISCORD_LIMIT = 2000;
const TELEGRAM_LIMIT = 4096;

/** The JSON body for `format` (telegram needs the chat id). */
export function formatPayload(format: NotifyFormat, event: NotifyEvent & { at: Date }, options: { chatId?: string } = {}): Record<string, unknown> {
  const severity = severityOf(event.type);
  const line = `${ICON[severity]} Orion ${event.type}: ${event.text}`;
  switch (format) {
    case 'json':
      return { type: event.type, severity, text: event.text, details: event.details ?? {}, at: event.at.toISOString() };
    case 'slack':
      return { text: line };
    case 'discord':
      return { content: clip(line, DISCORD_LIMIT) };
    case 'telegram':
      if (options.chatId === undefined) throw new Error('a telegram webhook needs its chatId');
      return { chat_id: options.chatId, text: clip(line, TELEGRAM_LIMIT), disable_web_page_preview: true };
  }
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
