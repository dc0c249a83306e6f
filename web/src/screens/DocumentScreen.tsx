import { useEffect, useRef, useState } from "react";

import { asFailure, type ApiFailure, type OwnerDocument } from "../api";
import { useApp, useScreenHeading } from "../context";
import { maskedFields } from "../mask";
import { byState, reasonState } from "../reasons";
import { isFinal, pollDelayMs, retryDelayMs } from "../timing";
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
  const { words, api, go, announce } = useApp();
  const heading = useScreenHeading<HTMLHeadingElement>();
  const [document, setDocument] = useState<OwnerDocument | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [note, setNote] = useState("");
  const [appealed, setAppealed] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  // `tick` asks for the document again; `backoff` counts the polls since the last change of pace (an appeal
  // starts it over: a person decides in seconds or days, and the first answer should not wait a minute).
  const [tick, setTick] = useState(0);
  const backoff = useRef(0);
  const lastStatus = useRef<string | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true; // set again on a remount (React's StrictMode mounts twice in development)
    return () => void (mounted.current = false);
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const again = (ms: number) => {
      backoff.current += 1;
      timer = setTimeout(() => setTick((n) => n + 1), ms);
    };
    api
      .document(id)
      .then((latest) => {
        if (stopped) return;
        setDocument(latest);
        setFailure(null);
        if (lastStatus.current !== null && lastStatus.current !== latest.status) announce(words.status(latest.status));
        lastStatus.current = latest.status;
        if (!isFinal(latest.status)) again(pollDelayMs(backoff.current, latest.status));
      })
      .catch((error: unknown) => {
        if (stopped) return;
        const problem = asFailure(error);
        setFailure(problem);
        // A lost connection or a busy API: keep following, more slowly (as long as the API asks on a 429); a 404
        // or a refused session: stop (the app has sent the person to sign in again on a 401).
        if (problem.status === 429) again(retryDelayMs(1, problem.retryAfter));
        else if (problem.status === 0 || problem.status >= 500) again(pollDelayMs(backoff.current + 2, "queued"));
      });
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // words changes with the language; a new language must not restart the polling
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id, tick]);

  const sendAppeal = async () => {
    try {
      const updated = await api.appeal(id, note.trim() || null);
      if (!mounted.current) return;
      setDocument(updated);
      setAppealed(true);
      setFailure(null);
      announce(words.t("appealed"));
    } catch (error) {
      if (!mounted.current) return;
      setFailure(asFailure(error));
    }
    backoff.current = 0; // refused (409: decided meanwhile) or accepted: read the document again, fast
    setTick((n) => n + 1);
  };

  const remove = async () => {
    setConfirmDelete(false);
    try {
      await api.deleteDocument(id);
      if (mounted.current) {
        announce(words.t("deleted"));
        go({ name: "documents" });
      }
    } catch (error) {
      if (mounted.current) setFailure(asFailure(error));
    }
  };

  const docType = document?.type === "npwp" ? "npwp" : "ktp";
  return (
    <section aria-labelledby="document-title">
      <h1 id="document-title" ref={heading} tabIndex={-1}>
        {words.t("statusTitle")}
      </h1>
      {failure && <ErrorMessage failure={failure} />}
      {!document ? (
        <p>{words.t("loading")}</p>
      ) : (
        <>
          <p className={`status status-${document.status}`} data-status={document.status}>
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
                {byState(document.reasons, document.capture).map((reason, index) => {
                  const state = reasonState(reason);
                  return (
                    <li key={`${reason.code}-${index}`} data-code={reason.code} className={state}>
                      <span className="visually-hidden">{words.t(state)}: </span>
                      <span aria-hidden="true">{MARKS[state]} </span>
                      {words.reason(reason.code)}
                      {reason.max_points > 0 && (
                        <span className="points">
                          {" "}
                          ({words.t("points", { points: Math.round(reason.points), max: Math.round(reason.max_points) })})
                        </span>
                      )}
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
            <p className="notice">
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
