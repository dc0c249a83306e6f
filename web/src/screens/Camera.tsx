import { useEffect, useRef, useState } from "react";

import { useApp } from "../context";

interface Props {
  onPhoto: (photo: Blob) => void;
  onClose: () => void;
}

/**
 * The device camera with a card-shaped guide (ISO/IEC 7810 ID-1, the KTP's and NPWP's size: 85.6 x 54 mm), so the
 * card fills the frame the way the server's card finder expects. The frame is taken at the camera's full
 * resolution, not the preview's.
 */
export function Camera({ onPhoto, onClose }: Props) {
  const { words } = useApp();
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [failed, setFailed] = useState(false);
  const section = useRef<HTMLElement>(null);
  const fallback = useRef<HTMLButtonElement>(null);
  useEffect(() => (failed ? fallback : section).current?.focus(), [failed]);

  useEffect(() => {
    let opened: MediaStream | null = null;
    let cancelled = false;
    if (!navigator.mediaDevices?.getUserMedia) {
      setFailed(true);
      return;
    }
    navigator.mediaDevices
      .getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1920 }, height: { ideal: 1080 } },
      })
      .then((media) => {
        if (cancelled) {
          media.getTracks().forEach((track) => track.stop());
          return;
        }
        opened = media;
        setStream(media);
        if (video.current) video.current.srcObject = media;
      })
      .catch(() => setFailed(true));
    return () => {
      cancelled = true;
      opened?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  const take = () => {
    const source = video.current;
    if (!source || !source.videoWidth) return;
    const canvas = document.createElement("canvas");
    canvas.width = source.videoWidth;
    canvas.height = source.videoHeight;
    canvas.getContext("2d")?.drawImage(source, 0, 0);
    canvas.toBlob((blob) => blob && onPhoto(blob), "image/jpeg", 0.92);
    stream?.getTracks().forEach((track) => track.stop());
  };

  if (failed) {
    // No camera, or permission refused: say so, and lead back to the file picker (which on a phone can still
    // open the camera app through the system's own chooser).
    return (
      <div className="camera-unavailable">
        <p className="notice" role="alert">
          {words.t("cameraUnavailable")}
        </p>
        <button ref={fallback} type="button" className="primary" onClick={onClose}>
          {words.t("chooseFile")}
        </button>
      </div>
    );
  }
  return (
    <section className="camera" aria-label={words.t("useCamera")} ref={section} tabIndex={-1}>
      <div className="viewfinder">
        <video ref={video} autoPlay playsInline muted aria-describedby="camera-guide" />
        <div className="guide" aria-hidden="true" />
      </div>
      <p id="camera-guide">{words.t("cameraGuide")}</p>
      <div className="actions">
        <button type="button" className="primary" onClick={take} disabled={!stream}>
          {words.t("takePhoto")}
        </button>
        <button type="button" onClick={onClose}>
          {words.t("stopCamera")}
        </button>
      </div>
    </section>
  );
}
