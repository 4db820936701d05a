/** The message the queue sends for results: what the messages service composes, the mailer sends, a preview shows. */
import type Mail from 'nodemailer/lib/mailer';
import type { Outcome } from './outcomes';

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** A named address, as a message's From and To are given. */
export interface NamedAddress {
  name: string;
  address: string;
}

/** A message as nodemailer takes it, addressed from and to one named address each. */
export type ComposedMail = Omit<Mail.Options, 'attachments' | 'from' | 'to'> & {
  from: NamedAddress;
  to: NamedAddress;
  attachments: Attachment[];
};

/** One message to send for some results (one, or a customer's results of a collated run), or why not. */
export type ComposedMessage =
  | {
      resultIds: number[];
      mail: ComposedMail;
      /** The translation the templates came from; null for the definition's own. */
      language: string | null;
      /** Its invoices' labels ("INV-1+INV-2"): what the message is about, for a file name. */
      label: string;
    }
  | { resultIds: number[]; outcome: Outcome };
