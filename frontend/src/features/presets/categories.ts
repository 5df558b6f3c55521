/**
 * Preset categories are free text; these are the ones the product starts with. One rule names
 * a category wherever it is shown (filter, badges, pickers): its first letter capitalised.
 */
export const BASE_CATEGORIES = ['performance', 'memory', 'general', 'custom'];

const CATEGORY_COLORS: Record<string, string> = {
  performance: 'violet',
  memory: 'cyan',
  general: 'teal',
  custom: 'orange',
};

export function categoryColor(category: string | null | undefined): string {
  return CATEGORY_COLORS[category ?? ''] ?? 'gray';
}

/** "performance" -> "Performance"; no category -> "Uncategorized". */
export function categoryLabel(category: string | null | undefined): string {
  const text = (category ?? '').trim();
  return text ? text[0].toUpperCase() + text.slice(1) : 'Uncategorized';
}
