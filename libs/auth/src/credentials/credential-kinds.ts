import { BearerCredential } from './bearer.credential';
import { VolcV4Credential } from './volc-v4.credential';

/** Every credential kind the guard accepts, asked in this order. Add a new kind's class here. */
export const CREDENTIAL_KIND_CLASSES = [VolcV4Credential, BearerCredential];

/** Injection token: the instances of CREDENTIAL_KIND_CLASSES, in order. */
export const CREDENTIAL_KINDS = Symbol('CREDENTIAL_KINDS');
