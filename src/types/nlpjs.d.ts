// The parts of NLP.js (https://github.com/axa-group/nlp.js, MIT) the line uses; the packages ship no types.

declare module '@nlpjs/neural' {
  export interface NeuralNetworkSettings {
    iterations?: number;
    errorThresh?: number;
    deltaErrorThresh?: number;
    learningRate?: number;
    momentum?: number;
    alpha?: number;
    log?: boolean;
  }
  export interface TrainingItem {
    input: Record<string, number>;
    output: Record<string, number>;
  }
  export class NeuralNetwork {
    constructor(settings?: NeuralNetworkSettings);
    train(corpus: TrainingItem[]): { error: number; iterations: number };
    run(input: Record<string, number>): Record<string, number> | undefined;
  }
}

declare module '@nlpjs/lang-en-min' {
  export class StemmerEn {
    tokenizeAndStem(text: string, keepStops?: boolean): string[];
  }
}
