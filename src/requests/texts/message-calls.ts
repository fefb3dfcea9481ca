/** The call a sent message belongs to, and which of its follow-ups it is ('text:desk'). */
export interface MessageOwner {
  callSid: string;
  id: string;
}

/**
 * A sent message's SID -> its call, for SID_TTL_SECONDS: its status callback (delivered, failed) names only the
 * message, and the desk shows the status on the call's card.
 */
export interface MessageCalls {
  remember(messageSid: string, owner: MessageOwner): Promise<void>;
  find(messageSid: string): Promise<MessageOwner | null>;
}

/** A stored owner; null for anything that is not one. */
export function parseOwner(json: string | null): MessageOwner | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as Partial<MessageOwner>;
    return typeof value.callSid === 'string' && typeof value.id === 'string' ? { callSid: value.callSid, id: value.id } : null;
  } catch {
    return null;
  }
}
