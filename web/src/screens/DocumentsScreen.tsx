import { useEffect, useState } from "react";

import { asFailure, type ApiFailure, type DocumentSummary } from "../api";
import { useApp, useScreenHeading } from "../context";
import { ErrorMessage } from "./ErrorMessage";

/** The person's documents, newest first, a page at a time (the list carries no identity numbers). */
export function DocumentsScreen() {
  const { words, api, go } = useApp();
  const [documents, setDocuments] = useState<DocumentSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [loading, setLoading] = useState(false);
  const heading = useScreenHeading<HTMLHeadingElement>();

  const load = async (after: string | null) => {
    if (loading) return; // a second tap on "Load more" would append the same page twice
    setLoading(true);
    try {
      const page = await api.documents(after);
      setDocuments((earlier) => [...(after ? earlier ?? [] : []), ...page.documents]);
      setCursor(page.next_cursor);
      setFailure(null);
    } catch (error) {
      setFailure(asFailure(error));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per visit
  }, [api]);

  return (
    <section aria-labelledby="documents-title">
      <h1 id="documents-title" ref={heading} tabIndex={-1}>
        {words.t("documentsTitle")}
      </h1>
      {failure && <ErrorMessage failure={failure} />}
      {documents === null && !failure && <p>{words.t("loading")}</p>}
      {documents?.length === 0 && <p>{words.t("noDocuments")}</p>}
      {documents && documents.length > 0 && (
        <ul className="documents">
          {documents.map((document) => (
            <li key={document.id} data-status={document.status}>
              <span className="doc-type-label">{words.t(document.type === "npwp" ? "npwp" : "ktp")}</span>{" "}
              <span className="doc-status">{words.status(document.status)}</span>{" "}
              <time dateTime={document.created_at}>{new Date(document.created_at).toLocaleString(words.lang)}</time>{" "}
              <button
                type="button"
                onClick={() => go({ name: "document", id: document.id })}
                aria-label={`${words.t("open")}: ${words.t(document.type === "npwp" ? "npwp" : "ktp")}, ${new Date(
                  document.created_at,
                ).toLocaleString(words.lang)}`}
              >
                {words.t("open")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)} disabled={loading}>
          {words.t("loadMore")}
        </button>
      )}
    </section>
  );
}
