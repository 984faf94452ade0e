/**
 * This browser's camera and microphone: device choice, the person's own choices (camera off,
 * audio only), and a live microphone level for the check before joining.
 */

/** Talking heads need little: small frames, few of them — kind to rural links and phones. */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
	width: { ideal: 640 },
	height: { ideal: 360 },
	frameRate: { ideal: 24, max: 30 }
};

const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
	echoCancellation: true,
	noiseSuppression: true,
	autoGainControl: true
};

export type MediaProblem = 'denied' | 'no_device' | 'unavailable';

export class LocalMedia {
	#stream = $state<MediaStream | null>(null);
	#audioInputs = $state<MediaDeviceInfo[]>([]);
	#videoInputs = $state<MediaDeviceInfo[]>([]);
	#level = $state(0);
	#problem = $state<MediaProblem | null>(null);
	#cameraOff = $state(false);
	#audioOnly = $state(false);
	#audioDeviceId = $state<string | undefined>(undefined);
	#videoDeviceId = $state<string | undefined>(undefined);
	#meter: { context: AudioContext; frame: number } | null = null;

	get stream(): MediaStream | null {
		return this.#stream;
	}
	get audioTrack(): MediaStreamTrack | null {
		return this.#stream?.getAudioTracks()[0] ?? null;
	}
	/** The camera track, unless the person chose not to be seen or audio only. */
	get videoTrack(): MediaStreamTrack | null {
		return this.#stream?.getVideoTracks()[0] ?? null;
	}
	get audioInputs(): MediaDeviceInfo[] {
		return this.#audioInputs;
	}
	get videoInputs(): MediaDeviceInfo[] {
		return this.#videoInputs;
	}
	/** Microphone loudness, 0 to 1, updated every frame while metering. */
	get level(): number {
		return this.#level;
	}
	get problem(): MediaProblem | null {
		return this.#problem;
	}
	get cameraOff(): boolean {
		return this.#cameraOff;
	}
	get audioOnly(): boolean {
		return this.#audioOnly;
	}
	get audioDeviceId(): string | undefined {
		return this.#audioDeviceId;
	}
	get videoDeviceId(): string | undefined {
		return this.#videoDeviceId;
	}
	get sendsVideo(): boolean {
		return !this.#cameraOff && !this.#audioOnly;
	}

	/** Opens the chosen devices (asking permission the first time). */
	async start(): Promise<void> {
		this.#stopTracks();
		try {
			const stream = await navigator.mediaDevices.getUserMedia({
				audio: { ...AUDIO_CONSTRAINTS, deviceId: this.#audioDeviceId },
				video: this.sendsVideo ? { ...VIDEO_CONSTRAINTS, deviceId: this.#videoDeviceId } : false
			});
			this.#stream = stream;
			this.#problem = null;
			// Show the devices actually opened as the ones chosen.
			this.#audioDeviceId ??= stream.getAudioTracks()[0]?.getSettings().deviceId;
			this.#videoDeviceId ??= stream.getVideoTracks()[0]?.getSettings().deviceId;
		} catch (error) {
			const name = (error as DOMException).name;
			this.#problem =
				name === 'NotAllowedError'
					? 'denied'
					: name === 'NotFoundError'
						? 'no_device'
						: 'unavailable';
			this.#stream = null;
		}
		await this.#listDevices();
	}

	async #listDevices(): Promise<void> {
		const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
		this.#audioInputs = devices.filter((d) => d.kind === 'audioinput');
		this.#videoInputs = devices.filter((d) => d.kind === 'videoinput');
	}

	async chooseMicrophone(deviceId: string): Promise<void> {
		this.#audioDeviceId = deviceId || undefined;
		await this.start();
	}

	async chooseCamera(deviceId: string): Promise<void> {
		this.#videoDeviceId = deviceId || undefined;
		await this.start();
	}

	/** Not seen by anyone: the camera is closed, not just hidden. */
	async setCameraOff(off: boolean): Promise<void> {
		this.#cameraOff = off;
		await this.#syncVideo();
	}

	/** For a weak link: no video out (and, by the policy, none in). */
	async setAudioOnly(on: boolean): Promise<void> {
		this.#audioOnly = on;
		await this.#syncVideo();
	}

	async #syncVideo(): Promise<void> {
		const stream = this.#stream;
		if (!stream) return;
		const current = stream.getVideoTracks()[0];
		if (!this.sendsVideo && current) {
			current.stop();
			stream.removeTrack(current);
		} else if (this.sendsVideo && !current) {
			try {
				const video = await navigator.mediaDevices.getUserMedia({
					video: { ...VIDEO_CONSTRAINTS, deviceId: this.#videoDeviceId }
				});
				stream.addTrack(video.getVideoTracks()[0]);
			} catch {
				this.#cameraOff = true;
			}
		}
		// A new stream object, so that everything showing it (self-view, senders) updates.
		this.#stream = new MediaStream(stream.getTracks());
	}

	/** Starts the microphone level meter (the check before joining). */
	startMeter(): void {
		const track = this.audioTrack;
		if (!track || this.#meter) return;
		const context = new AudioContext();
		const analyser = context.createAnalyser();
		analyser.fftSize = 512;
		context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
		const samples = new Float32Array(analyser.fftSize);
		const tick = () => {
			analyser.getFloatTimeDomainData(samples);
			let sum = 0;
			for (const sample of samples) sum += sample * sample;
			this.#level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
			if (this.#meter) this.#meter.frame = requestAnimationFrame(tick);
		};
		this.#meter = { context, frame: requestAnimationFrame(tick) };
	}

	stopMeter(): void {
		if (!this.#meter) return;
		cancelAnimationFrame(this.#meter.frame);
		void this.#meter.context.close();
		this.#meter = null;
		this.#level = 0;
	}

	#stopTracks(): void {
		for (const track of this.#stream?.getTracks() ?? []) track.stop();
	}

	stop(): void {
		this.stopMeter();
		this.#stopTracks();
		this.#stream = null;
	}
}
