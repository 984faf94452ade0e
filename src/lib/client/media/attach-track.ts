/** A Svelte attachment that plays a track in a <video> or <audio> element. */
export const attachTrack = (track: MediaStreamTrack) => (element: HTMLMediaElement) => {
	element.srcObject = new MediaStream([track]);
	void element.play().catch(() => {});
	return () => {
		element.srcObject = null;
	};
};

/** The same for a whole stream (the self-view). */
export const attachStream = (stream: MediaStream) => (element: HTMLMediaElement) => {
	element.srcObject = stream;
	void element.play().catch(() => {});
	return () => {
		element.srcObject = null;
	};
};

/**
 * Calls `onLevel` with the loudness (0–1) of an audio track five times a second, for the
 * "who is speaking" ring. One shared AudioContext for all tracks.
 */
let context: AudioContext | null = null;
export function watchLevel(track: MediaStreamTrack, onLevel: (level: number) => void): () => void {
	context ??= new AudioContext();
	const analyser = context.createAnalyser();
	analyser.fftSize = 256;
	const source = context.createMediaStreamSource(new MediaStream([track]));
	source.connect(analyser);
	const samples = new Float32Array(analyser.fftSize);
	const timer = setInterval(() => {
		analyser.getFloatTimeDomainData(samples);
		let sum = 0;
		for (const sample of samples) sum += sample * sample;
		onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
	}, 200);
	return () => {
		clearInterval(timer);
		source.disconnect();
	};
}
