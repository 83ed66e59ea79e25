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

export interface Ballot {
  city: City;
  election: ElectionRef;
  contests: Contest[];
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

// AnswerVideo is what a candidate's published video answer needs to play. The
// fields are optional: the question page renders a player only when the API sends
// a playlist (the video routes fill them in).
export interface AnswerVideo {
  playlistUrl: string; // the HLS master playlist
  posterUrl?: string;
  durationSeconds?: number;
  provenanceSha256?: string;
  captionsUrl?: string; // a WebVTT track
  captionsLang?: string;
}

export interface CandidateAnswer {
  candidateId: string;
  name: string;
  status: "none" | "draft" | "uploading" | "processing" | "published" | "failed" | string;
  video?: AnswerVideo;
}

export interface QuestionPage {
  question: Question;
  versions: QuestionVersion[];
  why: Explanation;
  answered: number;
  candidates: CandidateAnswer[];
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
