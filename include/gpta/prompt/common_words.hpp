// A built-in list of common, sentiment-neutral English words for the random-prefix control
// (used when the user gives no vocabulary), written for gpta.
#pragma once

#include <span>
#include <string_view>

namespace gpta::detail {

/// 364 distinct lower-case words: function words, everyday nouns and verbs. Words that carry
/// sentiment (good, bad, love, ...) or negation (not, no, never) are left out, so the control
/// cannot hint at a label.
inline constexpr std::string_view common_words_array[] = {
    "the", "of", "and", "to", "in", "is", "it", "that", "was", "for", "on", "are", "as", "with", "his",
    "they", "at", "be", "this", "from", "have", "or", "by", "one", "had", "but", "what", "all", "were",
    "when", "we", "there", "can", "an", "your", "which", "their", "said", "if", "do", "will", "each", "about",
    "how", "up", "out", "them", "then", "she", "many", "some", "so", "these", "would", "other", "into", "has",
    "more", "her", "two", "him", "see", "time", "could", "make", "than", "first", "been", "its", "who", "now",
    "people", "my", "made", "over", "did", "down", "only", "way", "find", "use", "may", "water", "long",
    "little", "after", "words", "called", "just", "where", "most", "know", "get", "through", "back", "much",
    "before", "go", "also", "around", "another", "came", "come", "work", "three", "word", "must", "because",
    "does", "part", "even", "place", "such", "here", "take", "why", "things", "put", "years", "different",
    "away", "again", "off", "went", "old", "number", "tell", "men", "say", "small", "every", "found", "still",
    "between", "name", "should", "home", "big", "give", "air", "line", "set", "own", "under", "read", "last",
    "us", "left", "end", "along", "while", "might", "next", "sound", "below", "saw", "something", "thought",
    "both", "few", "those", "always", "looked", "show", "large", "often", "together", "asked", "house",
    "world", "going", "want", "school", "until", "form", "food", "keep", "children", "feet", "land", "side",
    "without", "boy", "once", "animals", "life", "enough", "took", "four", "head", "above", "kind", "began",
    "almost", "live", "page", "got", "earth", "need", "far", "hand", "high", "year", "mother", "light",
    "country", "father", "let", "night", "picture", "being", "study", "second", "soon", "story", "since",
    "white", "ever", "paper", "near", "sentence", "later", "idea", "eat", "face", "watch", "grow", "open",
    "seemed", "walk", "example", "group", "color", "river", "point", "table", "chair", "window", "door",
    "floor", "wall", "street", "city", "town", "road", "map", "box", "ship", "car", "train", "plane", "bird",
    "tree", "stone", "hill", "lake", "sea", "sky", "sun", "moon", "star", "rain", "snow", "wind", "cloud",
    "morning", "evening", "week", "month", "today", "hour", "minute", "day", "noon", "clock", "letter",
    "book", "pen", "pencil", "desk", "shelf", "glass", "cup", "plate", "spoon", "fork", "knife", "bread",
    "milk", "cheese", "apple", "corn", "rice", "salt", "sugar", "tea", "coffee", "garden", "field", "farm",
    "horse", "cow", "sheep", "dog", "cat", "fish", "bridge", "tower", "market", "office", "bank", "station",
    "library", "museum", "village", "island", "forest", "valley", "mountain", "desert", "ocean", "coast",
    "shore", "harbor", "pocket", "button", "thread", "needle", "basket", "bottle", "candle", "ladder", "rope",
    "chain", "wheel", "engine", "metal", "wood", "cotton", "wool", "leather", "brick", "iron", "copper",
    "silver", "paint", "square", "circle", "triangle", "corner", "middle", "edge", "surface", "shape", "size",
    "weight", "length", "height", "width", "count", "measure", "pair", "dozen", "piece",
};

[[nodiscard]] constexpr std::span<const std::string_view> common_words() noexcept { return common_words_array; }

}  // namespace gpta::detail
