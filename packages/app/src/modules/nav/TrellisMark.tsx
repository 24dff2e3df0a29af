/**
 * The Trellis mark: a lattice with a shoot growing up through it. Drawn in
 * the sidebar's accent colour so it reads on the dark sidebar of both themes.
 */
export const TrellisMark = (props: { size: number }) => (
  <svg
    width={props.size}
    height={props.size}
    viewBox="0 0 32 32"
    aria-hidden="true"
    focusable="false"
  >
    <g fill="none" stroke="#7df3e1" strokeWidth={2} strokeLinecap="round">
      <rect x={3} y={3} width={26} height={26} rx={3} />
      <path d="M3 16 16 3l13 13-13 13Z" />
      <path d="M9.5 9.5 22.5 22.5M22.5 9.5 9.5 22.5" opacity={0.55} />
    </g>
    <path
      d="M16 29V15c0-3 2-5 5-5.5-.2 3-2.2 5-5 5.5"
      fill="#7df3e1"
      stroke="#7df3e1"
      strokeWidth={1.5}
      strokeLinejoin="round"
    />
  </svg>
);
