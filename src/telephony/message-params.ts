import { z } from 'zod';

/** Where Twilio posts each text message's status (PUBLIC_BASE_URL + this: the message's StatusCallback). */
export const MESSAGE_STATUS_PATH = '/messages/status';

/**
 * A message's status callback, as Twilio posts it: MessageSid and MessageStatus identify it; ErrorCode comes with
 * undelivered and failed (30003–30008 from the carrier). Unknown parameters are ignored.
 */
export const messageStatusParams = z.object({
  MessageSid: z.string().regex(/^(?:SM|MM)[0-9a-fA-F]{32}$/, 'must be a Twilio MessageSid (SM or MM followed by 32 hex digits)'),
  AccountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio AccountSid (AC followed by 32 hex digits)')
    .optional(),
  MessageStatus: z.enum([
    'accepted',
    'scheduled',
    'canceled',
    'queued',
    'sending',
    'sent',
    'failed',
    'delivered',
    'undelivered',
    'receiving',
    'received',
    'read',
    'partially_delivered',
  ]),
  ErrorCode: z
    .string()
    .regex(/^\d{1,6}$/, 'must be a Twilio error code (digits)')
    .transform(Number)
    .optional(),
});
export type MessageStatusParams = z.infer<typeof messageStatusParams>;
