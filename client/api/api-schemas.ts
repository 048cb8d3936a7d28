/** The types of the REST answers the client reads: inferred from the shared wire contract. */
export type { FlowEstimate, FlowSummary, Health, RunSummary } from '../../shared/wire/rest-answers.ts';
export type { PendingApproval as ApprovalItem } from '../../shared/wire/rest-answers.ts';
