// Loads an exported LayersModel (model.json + weights + preprocessing.json, as `core:export`
// writes them) with plain TensorFlow.js and classifies images: the test images the server
// provides, and one drawn with the mouse. Any exported classifier works the same way: the input
// size, channels, normalisation and class names come from preprocessing.json. Models with a
// plugin's custom layers need that plugin's layer classes registered first (its registerLayers()).
//
// Query parameters: model=<url of the model directory> (default: model), backend=<tfjs backend>,
// samples=<url of a JSON file of test images> (default: samples.json; optional).
(async () => {
  const parameters = new URLSearchParams(location.search);
  const modelBase = (parameters.get('model') ?? 'model').replace(/\/$/, '');
  const status = document.getElementById('status');
  const state = { ready: false, error: undefined, backend: undefined, samples: [], drawn: undefined };
  window.classifier = state;
  try {
    if (parameters.get('backend')) await tf.setBackend(parameters.get('backend'));
    await tf.ready();
    state.backend = tf.getBackend();
    const [model, preprocessing] = await Promise.all([
      tf.loadLayersModel(`${modelBase}/model.json`),
      fetch(`${modelBase}/preprocessing.json`).then((response) => response.json()),
    ]);
    const [height, width, channels] = preprocessing.inputShape;
    const { mean, std } = preprocessing.normalization;
    const classNames = preprocessing.classNames;

    // pixels: Float32Array of height·width·channels values in [0, 1] → class probabilities.
    const classify = (pixels) =>
      tf.tidy(() => {
        const input = tf.tensor4d(pixels, [1, height, width, channels]).sub(mean).div(std);
        return Array.from(tf.softmax(model.predict(input)).dataSync());
      });
    state.classify = (pixels) => classify(Float32Array.from(pixels));
    const best = (probabilities) => probabilities.indexOf(Math.max(...probabilities));

    const paint = (canvas, pixels) => {
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext('2d');
      const image = context.createImageData(width, height);
      for (let index = 0; index < width * height; index += 1) {
        for (let channel = 0; channel < 3; channel += 1) {
          image.data[index * 4 + channel] = Math.round(255 * pixels[index * channels + (channels === 1 ? 0 : channel)]);
        }
        image.data[index * 4 + 3] = 255;
      }
      context.putImageData(image, 0, 0);
    };

    const samplesUrl = parameters.get('samples') ?? 'samples.json';
    const samples = await fetch(samplesUrl).then((response) => (response.ok ? response.json() : { images: [] }));
    const container = document.getElementById('samples');
    let correct = 0;
    for (const [index, pixels] of samples.images.entries()) {
      const probabilities = classify(Float32Array.from(pixels));
      const predicted = best(probabilities);
      const label = samples.labels?.[index];
      if (predicted === label) correct += 1;
      state.samples.push({ probabilities, predicted, label });
      const figure = document.createElement('figure');
      if (label !== undefined && predicted !== label) figure.className = 'wrong';
      const canvas = document.createElement('canvas');
      paint(canvas, pixels);
      const caption = document.createElement('figcaption');
      caption.textContent = `${classNames[predicted]}${label !== undefined ? ` (${classNames[label]})` : ''}`;
      figure.append(canvas, caption);
      container.append(figure);
    }

    // Drawing pad: strokes on a large canvas, scaled down to the model's input like the data set's
    // images (white ink on black, anti-aliased).
    const pad = document.getElementById('pad');
    const padContext = pad.getContext('2d');
    const clear = () => {
      padContext.fillStyle = '#000';
      padContext.fillRect(0, 0, pad.width, pad.height);
    };
    clear();
    padContext.strokeStyle = '#fff';
    padContext.lineWidth = pad.width / 12;
    padContext.lineCap = 'round';
    padContext.lineJoin = 'round';
    const small = document.createElement('canvas');
    small.width = width;
    small.height = height;
    const smallContext = small.getContext('2d', { willReadFrequently: true });
    const drawnPixels = () => {
      smallContext.drawImage(pad, 0, 0, width, height);
      const rgba = smallContext.getImageData(0, 0, width, height).data;
      const pixels = new Float32Array(width * height * channels);
      for (let index = 0; index < width * height; index += 1) {
        for (let channel = 0; channel < channels; channel += 1) pixels[index * channels + channel] = rgba[index * 4 + (channels === 1 ? 0 : channel)] / 255;
      }
      return pixels;
    };
    const showDrawn = () => {
      const pixels = drawnPixels();
      const probabilities = classify(pixels);
      const predicted = best(probabilities);
      state.drawn = { pixels: Array.from(pixels), probabilities, predicted };
      document.getElementById('drawn-label').textContent = `prediction: ${classNames[predicted]} (${(probabilities[predicted] * 100).toFixed(1)}%)`;
      document.getElementById('bars').innerHTML = probabilities
        .map((probability, index) => `<div><span>${classNames[index]}</span><span class="bar" style="width:${Math.round(probability * 160)}px"></span><span>${(probability * 100).toFixed(1)}%</span></div>`)
        .join('');
    };
    let drawing = false;
    const point = (event) => {
      const box = pad.getBoundingClientRect();
      return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
    };
    pad.addEventListener('pointerdown', (event) => {
      drawing = true;
      padContext.beginPath();
      padContext.moveTo(...point(event));
    });
    pad.addEventListener('pointermove', (event) => {
      if (!drawing) return;
      padContext.lineTo(...point(event));
      padContext.stroke();
    });
    window.addEventListener('pointerup', () => {
      if (!drawing) return;
      drawing = false;
      showDrawn();
    });
    document.getElementById('clear').addEventListener('click', () => {
      clear();
      state.drawn = undefined;
      document.getElementById('drawn-label').textContent = 'draw with the mouse';
      document.getElementById('bars').innerHTML = '';
    });

    const accuracy = samples.images.length > 0 && samples.labels ? `, ${correct}/${samples.images.length} test images right` : '';
    status.textContent = `${modelBase}/model.json: input ${height}×${width}×${channels}, ${classNames.length} classes, backend ${state.backend}${accuracy}`;
    state.ready = true;
  } catch (error) {
    state.error = String(error?.stack ?? error);
    status.textContent = `failed: ${error}`;
  }
})();
