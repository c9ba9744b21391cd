import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { NOTIFY_KINDS, type NotifyKind } from './events.ts';
import { NOTIFY_FORMATS, type NotifyFormat } from './formats.ts';

/** One configured webhook. */
export interface NotifyTarget {
  /** Shown in the delivery records and errors (never the URL: it holds the secret). */
  name: string;
  url: string;
  format: NotifyFormat;
  /** The kinds this webhook receives. */
  events: readonly NotifyKind[];
  /** Telegram's chat id. */
  chatId?: string;
}

const TargetSchema = z
  .object({
    name: z.string().min(1),
    url: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http(s) URL'),
    format: z.enum(NOTIFY_FORMATS),
    events: z.union([z.literal('*'), z.array(z.enum(NOTIFY_KINDS)).min(1)]),
    chatId: z.union([z.string(), z.number()]).transform(String).optional(),
  })
  .strict()
  .refine((t) => t.format !== 'telegram' || t.chatId !== undefined, { message: 'a telegram webhook needs chatId', path: ['chatId'] });

const FileSchema = z.object({ webhooks: z.array(TargetSchema) }).strict();

/**
 * Reads ORION_NOTIFY_FILE: `{"webhooks": [{"name", "url", "format", "events": [...] | "*", "chatId"?}]}`.
 * A bad file is a ConfigError naming the file and the field.
 */
export function readNotifyTargets(file: string): NotifyTarget[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`invalid configuration: ORION_NOTIFY_FILE ${file}: ${(error as Error).message}`);
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ORION_NOTIFY_FILE ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}; allowed formats ${NOTIFY_FORMATS.join(', ')}, events ${NOTIFY_KINDS.join(', ')} or "*"`);
  }
  return parsed.data.webhooks.map((t) => ({
    name: t.name,
    url: t.url,
    format: t.format,
    events: t.events === '*' ? NOTIFY_KINDS : t.events,
    ...(t.chatId === undefined ? {} : { chatId: t.chatId }),
  }));
}
