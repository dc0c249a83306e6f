import type { ApiFailure } from "../api";
import { useApp } from "../context";

/** An API failure in plain words, with the API's code kept visible for support ("tell us: rate_limited"). */
export function ErrorMessage({ failure }: { failure: ApiFailure }) {
  const { words } = useApp();
  return (
    <p className="error" role="alert" data-code={failure.code}>
      {words.t("errorPrefix")}: {words.error(failure.code, failure.message)} <code>{failure.code}</code>
    </p>
  );
}
