import { useEffect, useId, useRef, useState } from "react";

import { useApp } from "../context";

interface Props {
  open: boolean;
  message: string;
  /** When set, the person must type this word before Confirm is enabled (for what cannot be undone at scale). */
  typeToConfirm?: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal <dialog>: focus moves into it (never onto Confirm), Escape cancels, the page behind is inert, and focus
 * returns to the button that opened it. */
export function ConfirmDialog({ open, message, typeToConfirm, onConfirm, onCancel }: Props) {
  const { words } = useApp();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const [typed, setTyped] = useState("");
  const messageId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      setTyped("");
      element.showModal();
      // Focus on the safe choice (showModal would focus the first button, Confirm: Enter would erase at once);
      // with a word to type, on its field.
      (element.querySelector<HTMLElement>("input") ?? cancel.current)?.focus();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);

  const ready = !typeToConfirm || typed.trim().toUpperCase() === typeToConfirm;
  return (
    <dialog ref={dialog} aria-describedby={messageId} aria-label={words.t("confirm")} onCancel={onCancel}>
      <p id={messageId}>{message}</p>
      {typeToConfirm && (
        <input
          aria-label={message}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          autoComplete="off"
        />
      )}
      <div className="actions">
        <button type="button" className="danger" disabled={!ready} onClick={onConfirm}>
          {words.t("confirm")}
        </button>
        <button ref={cancel} type="button" onClick={onCancel}>
          {words.t("cancel")}
        </button>
      </div>
    </dialog>
  );
}
