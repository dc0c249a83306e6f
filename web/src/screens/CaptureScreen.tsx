import { useEffect, useId, useRef, useState } from "react";

import { asFailure, type ApiFailure } from "../api";
import { useApp } from "../context";
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
  const { words, api, go } = useApp();
  const [docType, setDocType] = useState<"ktp" | "npwp">(initialType ?? "ktp");
  const [phase, setPhase] = useState<Phase>("choose");
  const [photo, setPhoto] = useState<CheckedPhoto | null>(null);
  const [key, setKey] = useState("");
  const [progress, setProgress] = useState(0);
  const [retrying, setRetrying] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const typeName = useId();

  useEffect(() => () => void (photo && URL.revokeObjectURL(photo.url)), [photo]);

  const accept = async (blob: Blob, fileName: string) => {
    setFailure(null);
    setPhase("checking");
    const checked = await checkPhoto(blob, fileName);
    setPhoto(checked);
    setKey(newIdempotencyKey());
    setPhase("checked");
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
    try {
      const accepted = await api.upload({
        file: photo.blob,
        fileName: photo.fileName,
        type: docType,
        idempotencyKey: key,
        onProgress: setProgress,
        onRetry: () => setRetrying(true),
      });
      go({ name: "document", id: accepted.id });
    } catch (error) {
      setFailure(asFailure(error));
      setPhase("checked");
    } finally {
      setRetrying(false);
    }
  };

  return (
    <section aria-labelledby="capture-title">
      <h1 id="capture-title">{words.t("captureTitle")}</h1>
      <fieldset className="doc-type" disabled={phase === "uploading"}>
        <legend>{words.t("docType")}</legend>
        {(["ktp", "npwp"] as const).map((value) => (
          <label key={value}>
            <input
              type="radio"
              name={typeName}
              value={value}
              checked={docType === value}
              onChange={() => setDocType(value)}
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
            capture="environment"
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

      {phase === "checking" && <p role="status">{words.t("checking")}</p>}

      {(phase === "checked" || phase === "uploading") && photo && (
        <div className="checked">
          <img src={photo.url} alt={words.t("preview")} className="preview" />
          <div role="status" aria-live="polite" className="client-checks">
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
