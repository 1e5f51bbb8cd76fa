/** An anchor the router follows without reloading the page (a real href: keyboard and new tabs work). */
import type { ReactNode } from 'react';
import { navigate } from '../router.ts';

export function Link(props: { to: string; children: ReactNode; 'aria-label'?: string }) {
  return (
    <a
      href={props.to}
      aria-label={props['aria-label']}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
