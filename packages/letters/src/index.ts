export { LETTER_KINDS, composeLetter, type LetterKind, type LetterInput, type LetterContent, type Block } from './letter.js';
export { renderLetter } from './render.js';
export { LETTER_CATALOGUES, letterCatalogue, type LetterMessageId } from './catalogues.js';
export { amountWordValues, englishWords } from './words.js';
