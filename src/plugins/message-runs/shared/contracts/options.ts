/**
 * Choices for the admin's new-run dialog (admin routes `GET /options/definitions` and
 * `GET /options/clusters`, `q` filters by name) and for the Content Manager's key fields
 * (`GET /options/recipient-keys`, `GET /options/sender-keys`), shared by the server and the admin.
 */

/** At most this many options per answer: the dialog's comboboxes narrow with `q`. */
export const MAX_OPTIONS = 50;

export interface DefinitionOption {
  documentId: string;
  name: string;
}

export interface ClusterOption {
  documentId: string;
  name: string;
  /** Names from the root down to the cluster itself, e.g. ['Europe', 'Benelux', 'Netherlands']. */
  path: string[];
}

/** A key in use: of a customer's email address, or of a message sender. */
export interface KeyOption {
  key: string;
}

export namespace GetOptions {
  export interface Request {
    query: { q?: string };
  }
}

export namespace GetDefinitionOptions {
  export interface Response {
    data: DefinitionOption[];
  }
}

export namespace GetClusterOptions {
  export interface Response {
    data: ClusterOption[];
  }
}

export namespace GetKeyOptions {
  export interface Response {
    data: KeyOption[];
  }
}
