import { useEffect, useId, useRef, useState } from "react";

import { ApiFailure, asFailure } from "../api";
import { useApp, useScreenHeading } from "../context";
import { checkPhoto, type CheckedPhoto } from "../photo";
import { newIdempotencyKey } from "../timing";
import { Camera } from "./Camera";
import { ErrorMessage } from "./ErrorMessage";

type Phase = "choose" | "camera" | "checking" | "checked" | "uploading";

/**
 * Choose or take a photo, see the app's own checks, send it. One Idempotency-Key per photo: the upload's retries
 * reuse it, a retake gets a new one.
 */
export function CaptureScreen({ docType: initialType }: { docType?: "ktp" | "npwp" }) {
  const { words, api, go, announce } = useApp();
  const heading = useScreenHeading<HTMLHeadingElement>();
  const [docType, setDocType] = useState<"ktp" | "npwp">(initialType ?? "ktp");
  const [phase, setPhase] = useState<Phase>("choose");
  const [photo, setPhoto] = useState<CheckedPhoto | null>(null);
  const [key, setKey] = useState("");
  const [progress, setProgress] = useState(0);
  const [retrying, setRetrying] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const typeName = useId();
  // Leaving the screen stops what it started: the upload and its retries, and a photo check still running.
  const leaving = useRef(new AbortController());
  useEffect(() => {
    const controller = new AbortController(); // a fresh one per mount (StrictMode mounts twice in development)
    leaving.current = controller;
    return () => controller.abort();
  }, []);

  useEffect(() => () => void (photo && URL.revokeObjectURL(photo.url)), [photo]);

  // Where focus goes when the step changes (the button pressed is gone): the photo and its verdict after a check,
  // the heading when starting over.
  const checkedBlock = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (phase === "checked") checkedBlock.current?.focus();
    if (phase === "choose" && photo === null) heading.current?.focus();
  }, [phase, photo, heading]);

  const accept = async (blob: Blob, fileName: string) => {
    setFailure(null);
    setPhase("checking");
    announce(words.t("checking"));
    let checked;
    try {
      checked = await checkPhoto(blob, fileName);
    } catch {
      setFailure(new ApiFailure(0, "photo_unreadable", words.t("photoUnreadable")));
      setPhase("choose");
      return;
    }
    if (leaving.current.signal.aborted) {
      URL.revokeObjectURL(checked.url);
      return;
    }
    setPhoto(checked);
    setKey(newIdempotencyKey());
    setPhase("checked");
    announce(checked.problems.length ? checked.problems.map(words.advice).join(" ") : words.t("looksGood"));
  };

  const chooseType = (value: "ktp" | "npwp") => {
    setDocType(value);
    // The key stands for one photo with one type: the same key with another type is refused as a reuse.
    if (photo) setKey(newIdempotencyKey());
  };

  const retake = () => {
    setPhoto(null);
    setFailure(null);
    setProgress(0);
    setPhase("choose");
    if (fileInput.current) fileInput.current.value = "";
  };

  const send = async () => {
    if (!photo) return;
    setPhase("uploading");
    setFailure(null);
    announce(words.t("uploading"));
    try {
      const accepted = await api.upload({
        file: photo.blob,
        fileName: photo.fileName,
        type: docType,
        idempotencyKey: key,
        onProgress: setProgress,
        onRetry: () => {
          setRetrying(true);
          announce(words.t("retrying"));
        },
        signal: leaving.current.signal,
      });
      if (!leaving.current.signal.aborted) go({ name: "document", id: accepted.id });
    } catch (error) {
      if (leaving.current.signal.aborted) return;
      setFailure(asFailure(error));
      setPhase("checked");
    } finally {
      setRetrying(false);
    }
  };

  return (
    <section aria-labelledby="capture-title">
      <h1 id="capture-title" ref={heading} tabIndex={-1}>
        {words.t("captureTitle")}
      </h1>
      <fieldset className="doc-type" disabled={phase === "uploading"}>
        <legend>{words.t("docType")}</legend>
        {(["ktp", "npwp"] as const).map((value) => (
          <label key={value}>
            <input
              type="radio"
              name={typeName}
              value={value}
              checked={docType === value}
              onChange={() => chooseType(value)}
            />
            {words.t(value)}
          </label>
        ))}
      </fieldset>

      {phase === "choose" && (
        <div className="actions">
          <label className="button primary" htmlFor="photo-file">
            {words.t("chooseFile")}
          </label>
          <input
            ref={fileInput}
            id="photo-file"
            className="visually-hidden"
            type="file"
            accept="image/jpeg,image/png"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void accept(file, file.name);
            }}
          />
          <button type="button" onClick={() => setPhase("camera")}>
            {words.t("useCamera")}
          </button>
        </div>
      )}

      {phase === "camera" && (
        <Camera onPhoto={(blob) => void accept(blob, "camera.jpg")} onClose={() => setPhase("choose")} />
      )}

      {phase === "checking" && <p>{words.t("checking")}</p>}
      {phase === "choose" && failure && <ErrorMessage failure={failure} />}

      {(phase === "checked" || phase === "uploading") && photo && (
        <div className="checked" ref={checkedBlock} tabIndex={-1} aria-label={words.t("preview")}>
          <img src={photo.url} alt={words.t("preview")} className="preview" />
          <div className="client-checks">
            {photo.problems.length === 0 ? (
              <p className="ok">{words.t("looksGood")}</p>
            ) : (
              <ul className="advice">
                {photo.problems.map((code) => (
                  <li key={code} data-code={code}>
                    {words.advice(code)}
                  </li>
                ))}
              </ul>
            )}
          </div>
          {failure && <ErrorMessage failure={failure} />}
          {phase === "uploading" ? (
            <div className="upload">
              <label htmlFor="upload-progress">{retrying ? words.t("retrying") : words.t("uploading")}</label>
              <progress id="upload-progress" max={1} value={progress} />
            </div>
          ) : (
            <div className="actions">
              <button
                type="button"
                className="primary"
                onClick={() => void send()}
                disabled={photo.problems.includes("unsupported_type") || photo.problems.includes("file_too_large")}
              >
                {photo.problems.length ? words.t("sendAnyway") : words.t("send")}
              </button>
              <button type="button" onClick={retake}>
                {words.t("retake")}
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
