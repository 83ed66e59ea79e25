// Sends a video straight to S3 with the presigned POST the API granted: the
// policy's fields first, the file last (S3 ignores anything after the file), over
// XMLHttpRequest because fetch cannot report upload progress. No video passes
// through the API.

import type { AnswerUpload } from "../types";

/** UploadError is a refused or failed upload, with S3's error code when it sent one. */
export class UploadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// What S3's error codes mean to a candidate (the policy pins type, size and time).
const s3Messages: Record<string, string> = {
  EntityTooLarge: "The video is larger than the upload limit.",
  EntityTooSmall: "The video file is empty.",
  AccessDenied: "The upload permission has expired or does not match this file. Please try again.",
  SignatureDoesNotMatch: "The upload permission does not match this file. Please try again.",
};

/**
 * postToS3 uploads file with grant, calling onProgress with the bytes sent so
 * far and the total. It resolves once S3 has stored the object; signal aborts it.
 */
export function postToS3(
  grant: AnswerUpload,
  file: Blob,
  filename: string,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(grant.fields)) form.append(k, v);
    form.append("file", file, filename);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", grant.url);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
        return;
      }
      // S3 answers <Error><Code>..</Code><Message>..</Message></Error>.
      const doc = xhr.responseXML ?? new DOMParser().parseFromString(xhr.responseText || "<Error/>", "application/xml");
      const code = doc.querySelector("Code")?.textContent ?? "HTTP" + xhr.status;
      const msg = s3Messages[code] ?? doc.querySelector("Message")?.textContent ?? `The upload was refused (${xhr.status}).`;
      reject(new UploadError(code, msg));
    };
    xhr.onerror = () => reject(new UploadError("network", "The upload was interrupted. Check your connection and try again."));
    xhr.onabort = () => reject(new UploadError("aborted", "The upload was cancelled."));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** videoType is a file's video content type, from its type or, when the system gives none, its name. */
export function videoType(file: File): string {
  if (file.type) return file.type;
  const ext = file.name.toLowerCase().split(".").pop();
  return ext === "webm" ? "video/webm" : ext === "mp4" || ext === "m4v" ? "video/mp4" : ext === "mov" ? "video/quicktime" : "";
}

/** ACCEPTED are the content types request-answer-upload grants (shared/objects). */
export const ACCEPTED = ["video/webm", "video/mp4", "video/quicktime"];

export function accepted(type: string): boolean {
  return ACCEPTED.includes(type.split(";")[0]!.trim().toLowerCase());
}
