import { useEffect, useState } from "react";

import { asFailure, type ApiFailure, type OwnerDocument } from "../api";
import { useApp } from "../context";
import { maskedFields } from "../mask";
import { byState, reasonState } from "../reasons";
import { isFinal, pollDelayMs } from "../timing";
import { ConfirmDialog } from "./ConfirmDialog";
import { ErrorMessage } from "./ErrorMessage";

const MARKS = { met: "✓", partly: "◐", problem: "✗" } as const;

/** An automatic rejection nobody has looked at yet: the one case the API lets the owner appeal. */
export function canAppeal(document: OwnerDocument): boolean {
  return (
    document.status === "rejected" &&
    !document.history.some((event) => event.by === "reviewer" || event.status === "needs_review")
  );
}

/** Follows one document until it is decided (polling with backoff), then shows the decision and what to do. */
export function DocumentScreen({ id }: { id: string }) {
  const { words, api, go } = useApp();
  const [document, setDocument] = useState<OwnerDocument | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [note, setNote] = useState("");
  const [appealed, setAppealed] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [polls, setPolls] = useState(0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    api
      .document(id)
      .then((latest) => {
        if (stopped) return;
        setDocument(latest);
        setFailure(null);
        if (!isFinal(latest.status)) timer = setTimeout(() => setPolls((n) => n + 1), pollDelayMs(polls, latest.status));
      })
      .catch((error: unknown) => {
        if (stopped) return;
        const problem = asFailure(error);
        setFailure(problem);
        // A lost connection or a busy API: keep following, more slowly; a 404 or an auth failure: stop.
        if (problem.status === 0 || problem.status === 429 || problem.status >= 500) {
          timer = setTimeout(() => setPolls((n) => n + 1), pollDelayMs(polls + 2, "queued"));
        }
      });
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, id, polls]);

  const sendAppeal = async () => {
    try {
      const updated = await api.appeal(id, note.trim() || null);
      setDocument(updated);
      setAppealed(true);
      setFailure(null);
      setPolls((n) => n + 1);
    } catch (error) {
      setFailure(asFailure(error));
    }
  };

  const remove = async () => {
    setConfirmDelete(false);
    try {
      await api.deleteDocument(id);
      go({ name: "documents" });
    } catch (error) {
      setFailure(asFailure(error));
    }
  };

  const docType = document?.type === "npwp" ? "npwp" : "ktp";
  return (
    <section aria-labelledby="document-title">
      <h1 id="document-title">{words.t("statusTitle")}</h1>
      {failure && <ErrorMessage failure={failure} />}
      {!document ? (
        <p role="status">{words.t("loading")}</p>
      ) : (
        <>
          <p role="status" aria-live="polite" className={`status status-${document.status}`} data-status={document.status}>
            {words.t(docType)}: <strong>{words.status(document.status)}</strong>
          </p>

          {document.capture.length > 0 && (
            <div className="capture-advice">
              <h2>{words.t("captureAdvice")}</h2>
              <ul className="advice">
                {document.capture.map((hint) => (
                  <li key={hint.code} data-code={hint.code}>
                    {words.advice(hint.code)}
                  </li>
                ))}
              </ul>
              <button type="button" className="primary" onClick={() => go({ name: "capture", docType })}>
                {words.t("retake")}
              </button>
            </div>
          )}

          {isFinal(document.status) && document.score !== null && (
            <div className="decision">
              <h2>{words.t("decisionTitle")}</h2>
              <p>
                {words.t("score")}: <strong>{document.score.toFixed(0)}</strong> / 100
              </p>
              <h3>{words.t("reasons")}</h3>
              <ul className="reasons">
                {byState(document.reasons).map((reason, index) => {
                  const state = reasonState(reason);
                  return (
                    <li key={`${reason.code}-${index}`} data-code={reason.code} className={state}>
                      <span className="visually-hidden">{words.t(state)}: </span>
                      <span aria-hidden="true">{MARKS[state]} </span>
                      {words.reason(reason.code)}
                    </li>
                  );
                })}
              </ul>
            </div>
          )}

          {document.error && (
            <p className="error" data-code={document.error.code ?? ""}>
              {words.error(document.error.code ?? "", document.error.message ?? "")}
            </p>
          )}

          {Object.keys(document.fields).length > 0 && (
            <div>
              <h2>{words.t("fieldsRead")}</h2>
              <dl className="fields">
                {maskedFields(document.fields).map((field) => (
                  <div key={field.name}>
                    <dt>{words.field(field.name)}</dt>
                    <dd data-field={field.name}>{field.value}</dd>
                  </div>
                ))}
              </dl>
            </div>
          )}

          {appealed && (
            <p className="notice" role="status">
              {words.t("appealed")}
            </p>
          )}
          {canAppeal(document) && !appealed && (
            <div className="appeal">
              <h2>{words.t("appeal")}</h2>
              <label htmlFor="appeal-note">{words.t("appealNote")}</label>
              <textarea id="appeal-note" maxLength={1000} value={note} onChange={(event) => setNote(event.target.value)} />
              <button type="button" className="primary" onClick={() => void sendAppeal()}>
                {words.t("appealSend")}
              </button>
            </div>
          )}

          <h2>{words.t("history")}</h2>
          <ol className="history">
            {document.history.map((event, index) => (
              <li key={`${event.at}-${index}`}>
                <time dateTime={event.at}>{new Date(event.at).toLocaleString(words.lang)}</time>{" "}
                {words.status(event.status)} ({words.t(`by_${event.by}` as "by_you")})
              </li>
            ))}
          </ol>

          <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
            {words.t("deleteDocument")}
          </button>
          <ConfirmDialog
            open={confirmDelete}
            message={words.t("deleteDocumentConfirm")}
            onConfirm={() => void remove()}
            onCancel={() => setConfirmDelete(false)}
          />
        </>
      )}
    </section>
  );
}
