/** Enter in a text field adds a chip or moves on; it never submits the form by itself. */
export function preventEnterSubmit(event: React.KeyboardEvent) {
  const target = event.target as HTMLElement;
  if (event.key === 'Enter' && target.tagName === 'INPUT') event.preventDefault();
}
