export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request wants to do, in the terms authorizers and audit use. */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  /** Resource requests. */
  resourceRequest: boolean;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests. */
  path?: string;
}

export interface AuthorizationDecision {
  allowed: boolean;
  denied?: boolean;
  reason: string;
}

export interface Authorizer {
  authorize(attrs: RequestAttributes): AuthorizationDecision;
  /** Rules the user has in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): {
    resourceRules: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }>;
    nonResourceRules: Array<{ verbs: string[]; nonResourceURLs?: string[] }>;
    incomplete: boolean;
  };
}

export interface AuthenticationRequest {
  /** Verified client certificate subject, when the TLS client presented one the CA signed. */
  clientCert?: { commonName: string; organizations: string[] };
  bearerToken?: string;
  /** Audiences a token must be meant for (TokenReview's spec.audiences); default: the API server's. */
  audiences?: string[];
}

export interface Authenticator {
  authenticate(req: AuthenticationRequest): UserInfo | undefined;
}
