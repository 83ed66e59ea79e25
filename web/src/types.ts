// The JSON shapes of CivicQ's API, as shared/domain and shared/api write them.
// Keep field names in step with the Go structs' json tags.

export interface City {
  id: string;
  slug: string;
  name: string;
  state: string;
  timezone: string;
}

export interface ElectionRef {
  id: string;
  name: string;
  date: string; // YYYY-MM-DD in the city's time zone
  status: "upcoming" | "current" | "past" | string;
}

export interface CitySummary extends City {
  nextElection: ElectionRef | null;
}

export interface Candidate {
  id: string;
  contestId: string;
  name: string;
  party?: string;
  ballotDesignation?: string;
  bio?: string;
  photoUrl?: string;
  website?: string;
  displayOrder: number;
  verified: boolean;
}

export interface Measure {
  number: string;
  title: string;
  fullText: string;
  summary: string;
  fiscalNote: string;
  proArgument: string;
  conArgument: string;
}

export interface Contest {
  id: string;
  kind: "race" | "measure" | string;
  title: string;
  description?: string;
  seats?: number;
  displayOrder: number;
  candidates?: Candidate[];
  measure?: Measure;
}

/** A candidate as the ballot lists them (the bio is on the contest and candidate pages). */
export interface BallotCandidate {
  id: string;
  name: string;
  party?: string;
  ballotDesignation?: string;
  photoUrl?: string;
  displayOrder: number;
  verified: boolean;
}

/** A contest as the ballot lists it: a measure's summary only (its text is the contest route's). */
export interface BallotContest {
  id: string;
  kind: "race" | "measure" | string;
  title: string;
  description?: string;
  seats?: number;
  displayOrder: number;
  candidates?: BallotCandidate[];
  measure?: { number: string; title: string; summary: string };
}

export interface Ballot {
  city: City;
  election: ElectionRef;
  contests: BallotContest[];
}

export interface ContestPage {
  city: City;
  election: ElectionRef;
  contest: Contest;
}

export type Sort = "top" | "new" | "hot" | "controversial";
export const SORTS: Sort[] = ["top", "new", "hot", "controversial"];

export interface SortScores {
  top: number;
  new: number;
  hot: number;
  controversial: number;
}

// Explanation answers "why this rank?" (shared/domain/rank.go).
export interface Explanation {
  up: number;
  down: number;
  net: number;
  votes: number;
  scores: SortScores;
  upShare: number;
  wilsonLower: number;
  wilsonUpper: number;
  confidence: "none" | "low" | "medium" | "high" | string;
  created: string;
  ageHours: number;
  hotVoteTerm: number;
  hotTimeTerm: number;
  balance: number;
}

export interface Question {
  id: string;
  contestId: string;
  text: string;
  context?: string;
  tags: string[];
  status: "pending" | "approved" | "rejected" | "merged" | string;
  upvotes: number;
  downvotes: number;
  createdAt: string;
  mergedInto?: string;
}

export interface ListedQuestion extends Question {
  score: number;
  why: Explanation;
  // How many of the contest's candidates published an answer.
  answered: number;
}

export interface QuestionList {
  sort: Sort;
  questions: ListedQuestion[];
  next?: string;
  total: number;
}

export interface SimilarQuestion {
  id: string;
  text: string;
  status?: string;
  similarity?: number;
  upvotes?: number;
  downvotes?: number;
}

export interface QuestionVersion {
  version: number;
  text: string;
  context?: string;
  reason?: string;
  createdAt: string;
}

// Playback is what a player needs of a published answer, and the provenance of
// what the candidate uploaded (domain.Playback): the SHA-256 of the original file.
export interface Playback {
  masterUrl: string; // the HLS master playlist ("/media/..." on the site's origin)
  posterUrl: string;
  durationSeconds: number;
  provenanceSha256: string;
  publishedAt: string;
}

// PublishedAnswer is one published answer as the question page or a candidate's
// profile lists it (domain.PublishedAnswer).
export interface PublishedAnswer extends Playback {
  answerId: string;
  questionId: string;
  questionText?: string;
  candidateId?: string;
}

export interface CandidateAnswer {
  candidateId: string;
  name: string;
  status: "none" | "draft" | "uploading" | "processing" | "published" | "failed" | string;
  // The published answer (status "published" only).
  answer?: PublishedAnswer;
}

export interface MergedQuestion {
  id: string;
  text: string;
  createdAt: string;
}

export interface QuestionPage {
  question: Question;
  versions: QuestionVersion[];
  why: Explanation;
  answered: number;
  candidates: CandidateAnswer[];
  mergedFrom: MergedQuestion[];
}

export interface ContestRef {
  id: string;
  kind: string;
  title: string;
}

// CandidateProfile is get-candidate: the candidate, their contest and their
// published answers, newest first.
export interface CandidateProfile {
  city: City;
  election: ElectionRef;
  contest: ContestRef;
  candidate: Candidate;
  answers: PublishedAnswer[];
}

// AnswerUpload is request-answer-upload's grant: a presigned S3 POST.
export interface AnswerUpload {
  answerId: string;
  status: string;
  key: string;
  url: string;
  fields: Record<string, string>;
  contentType: string;
  maxBytes: number;
  expiresAt: string;
  progressPath: string;
}

// AnswerState is one of the candidate's answers in list-candidate-answers.
export interface AnswerState {
  questionId: string;
  answerId: string;
  status: string;
  percent: number;
  failureCode?: string;
  failureReason?: string;
  publishedAt?: string;
  updatedAt: string;
}

// AnswerProgress is get-answer-progress: where the candidate's answer stands.
export interface AnswerProgress {
  answerId?: string;
  questionId: string;
  candidateId: string;
  status: "none" | "draft" | "uploading" | "processing" | "published" | "failed" | string;
  percent: number;
  failureCode?: string;
  failureReason?: string;
  canUpload: boolean;
  playback?: Playback;
  updatedAt: string;
  minSeconds: number; // the city's bounds of an answer's length
  maxSeconds: number;
}

export interface AskResponse {
  question: Question;
  similar: SimilarQuestion[];
}

export interface VoteResponse {
  questionId: string;
  value: number;
  changed: boolean;
  upvotes: number;
  downvotes: number;
}

export interface CityRole {
  city: string;
  role: string;
}

export interface Candidacy {
  candidateId: string;
  city: string;
  name: string;
  verification: string;
  reason?: string;
}

export interface MyQuestion {
  id: string;
  city: string;
  contestId: string;
  text: string;
  status: string;
  rejectionCode?: string;
  rejectionReason?: string;
  mergedInto?: string;
  hidden?: boolean;
  appealedAt?: string;
  upvotes: number;
  downvotes: number;
  createdAt: string;
}

export interface Me {
  id: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  displayName: string;
  homeCity?: string;
  roles: CityRole[];
  candidacies: Candidacy[];
  questions: MyQuestion[];
}

export interface FieldError {
  field: string;
  message: string;
}

// Moderation (shared/domain/moderation.go).

export interface QueueItem {
  targetType: "question" | "answer";
  targetId: string;
  since: string;
  contestId: string;
  text?: string;
  status: string;
  hidden: boolean;
  appealedAt?: string;
  rejectionCode?: string;
  rejectionReason?: string;
  questionId?: string;
  candidateId?: string;
  openReports: number;
  reportReasons: string[];
}

export interface QueuePage {
  items: QueueItem[];
  next?: string;
}

export interface LogEntry {
  id: string;
  actorRole: string;
  action: string;
  targetType: string;
  targetId: string;
  relatedId?: string;
  reasonCode?: string;
  reasonText?: string;
  createdAt: string;
}

export interface LogPage {
  city: string;
  entries: LogEntry[];
  next?: string;
}

export interface Claim {
  candidateId: string;
  candidateName: string;
  contestId: string;
  filingId: string;
  verification: string;
  claimantId: string;
  claimantName: string;
  claimantEmail: string;
  claimedAt: string;
}
