import { useState } from "react";

import { asFailure, type ApiFailure } from "../api";
import { useApp, useScreenHeading } from "../context";
import { ConfirmDialog } from "./ConfirmDialog";
import { ErrorMessage } from "./ErrorMessage";

/** The person's rights over their data: a copy of everything (JSON file), and erasure of everything. */
export function PrivacyScreen({ onAccountDeleted }: { onAccountDeleted: (count: number) => void }) {
  const { words, api, announce } = useApp();
  const heading = useScreenHeading<HTMLHeadingElement>();
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [exported, setExported] = useState<{ count: number; images: number; pii: number } | null>(null);
  const [confirming, setConfirming] = useState(false);

  const exportData = async () => {
    try {
      const data = await api.exportMine();
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `filot-data-${data.exported_at.slice(0, 10)}.json`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExported({
        count: data.documents.length,
        images: data.retention.images_days,
        pii: data.retention.personal_data_days,
      });
      announce(words.t("exported", { count: data.documents.length }));
      setFailure(null);
    } catch (error) {
      setFailure(asFailure(error));
    }
  };

  const deleteAll = async () => {
    setConfirming(false);
    try {
      const { erased } = await api.deleteMe();
      onAccountDeleted(erased);
    } catch (error) {
      setFailure(asFailure(error));
    }
  };

  return (
    <section aria-labelledby="privacy-title">
      <h1 id="privacy-title" ref={heading} tabIndex={-1}>
        {words.t("privacyTitle")}
      </h1>
      {failure && <ErrorMessage failure={failure} />}
      <p>{words.t("privacyIntro")}</p>
      <button type="button" className="primary" onClick={() => void exportData()}>
        {words.t("exportData")}
      </button>
      {exported && (
        <p className="notice">
          {words.t("exported", { count: exported.count })}{" "}
          {words.t("privacyText", { images: exported.images, pii: exported.pii })}
        </p>
      )}
      <h2>{words.t("deleteAccount")}</h2>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        {words.t("deleteAccount")}
      </button>
      <ConfirmDialog
        open={confirming}
        message={words.t("deleteAccountConfirm")}
        typeToConfirm={words.t("deleteAccountWord")}
        onConfirm={() => void deleteAll()}
        onCancel={() => setConfirming(false)}
      />
    </section>
  );
}
